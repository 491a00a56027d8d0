// `weft jobs`: the jobs of a weft service, newest first, as a table or as JSON.
import type { JobState, JobView } from "../../client/index.ts";
import { withService, type ServiceOptions } from "../service-client.ts";

export interface JobsOptions extends ServiceOptions {
  readonly state?: JobState;
  readonly limit?: number;
  readonly json: boolean;
}

export async function jobs(options: JobsOptions): Promise<void> {
  await withService(options, async (client) => {
    const list = await client.jobs({
      ...(options.state !== undefined && { state: options.state }),
      ...(options.limit !== undefined && { limit: options.limit }),
    });
    if (options.json) console.log(JSON.stringify(list, null, 2));
    else if (list.length === 0)
      console.log(`no ${options.state ? `${options.state} ` : ""}jobs at ${client.url}`);
    else console.log(table(list));
  });
}

function table(list: readonly JobView[]): string {
  const rows = [
    ["ID", "STATE", "CREATED", "TOOK", "JOB"],
    ...list.map((job) => [job.id, job.state, job.createdAt.slice(0, 19) + "Z", took(job), job.label]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]!) : cell)).join("  "),
    )
    .join("\n");
}

/** How long a finished job ran, from its start; "-" for one that has not finished. */
function took(job: JobView): string {
  if (job.startedAt === undefined || job.finishedAt === undefined) return "-";
  return `${((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000).toFixed(1)} s`;
}
