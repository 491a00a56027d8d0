// Progress of a long run: a live bar on a terminal, plain periodic lines in logs and CI, where
// redrawn lines would turn into noise.
import cliProgress from "cli-progress";

export interface ProgressDisplay {
  /** A new run of `total` items begins. */
  start(label: string, total: number, unit: string): void;
  update(done: number, itemsPerSecond: number): void;
  /** The run ended; `summary` replaces the bar. */
  finish(summary: string): void;
  /** Removes the bar, if any, so other output is not drawn over it. */
  stop(): void;
}

export interface ProgressSettings {
  readonly stream?: NodeJS.WriteStream;
  /** Plain lines at most this often, in ms. */
  readonly lineEveryMs?: number;
}

export function progressDisplay(settings: ProgressSettings = {}): ProgressDisplay {
  const stream = settings.stream ?? process.stderr;
  const interactive = stream.isTTY === true && !process.env.CI;
  return interactive ? new TerminalBar(stream) : new PlainLines(stream, settings.lineEveryMs ?? 2000);
}

class TerminalBar implements ProgressDisplay {
  readonly #bar: cliProgress.SingleBar;
  #active = false;

  constructor(readonly stream: NodeJS.WriteStream) {
    this.#bar = new cliProgress.SingleBar(
      {
        stream,
        format: "{label} {bar} {percentage}% | {value}/{total} {unit} | {rate}/s | ETA {eta_formatted}",
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(label: string, total: number, unit: string): void {
    this.stop();
    this.#bar.start(total, 0, { label, unit, rate: "-" });
    this.#active = true;
  }

  update(done: number, itemsPerSecond: number): void {
    if (this.#active) this.#bar.update(done, { rate: formatRate(itemsPerSecond) });
  }

  finish(summary: string): void {
    this.stop();
    this.stream.write(`${summary}\n`);
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#bar.stop();
  }
}

class PlainLines implements ProgressDisplay {
  #label = "";
  #unit = "";
  #total = 0;
  #lastLineAt = 0;

  constructor(
    readonly stream: NodeJS.WriteStream,
    readonly everyMs: number,
  ) {}

  start(label: string, total: number, unit: string): void {
    this.#label = label;
    this.#total = total;
    this.#unit = unit;
    this.#lastLineAt = Date.now();
  }

  update(done: number, itemsPerSecond: number): void {
    const now = Date.now();
    if (now - this.#lastLineAt < this.everyMs || done >= this.#total) return;
    this.#lastLineAt = now;
    const percent = Math.floor((100 * done) / this.#total);
    const eta = itemsPerSecond > 0 ? ` ETA ${Math.ceil((this.#total - done) / itemsPerSecond)} s,` : "";
    this.stream.write(
      `${this.#label}: ${percent}% (${done.toLocaleString("en-US")} of ${this.#total.toLocaleString("en-US")} ` +
        `${this.#unit},${eta} ${formatRate(itemsPerSecond)} ${this.#unit}/s)\n`,
    );
  }

  finish(summary: string): void {
    this.stream.write(`${summary}\n`);
  }

  stop(): void {}
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}K`;
  return perSecond.toFixed(0);
}
