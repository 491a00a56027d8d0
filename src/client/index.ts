// `weft/client`: the typed client of the weft service (`weft serve`), for programs that submit and
// watch jobs on a service elsewhere (the `weft submit`, `weft jobs` and `weft result` commands use it).
export { createClient, WeftClient, type ClientOptions, type RequestOptions } from "./client.ts";
export { EventStream } from "./event-stream.ts";
export type {
  BenchJob,
  Catalog,
  ChunkEvent,
  JobDefinition,
  JobState,
  JobView,
  ListQuery,
  ResultPage,
  ServiceEvent,
  TaskJob,
  WorkersView,
  WorkloadJob,
} from "./types.ts";
export type { paths, components, operations } from "./api-types.ts";
export {
  WeftError,
  ServiceError,
  ServiceUnreachableError,
  JobNotCompletedError,
  AbortError,
  OptionError,
} from "../errors.ts";
