// The types of charts.js. Every chart resolves to an SVG document, for `tslab.display.svg`.

/** What a chart needs of a chunk record (`pool.events.on("chunk")`); times in ms since the epoch. */
export interface ChunkLike {
  readonly worker: number;
  readonly items: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export declare function bars(
  rows: readonly { label: string; value: number }[],
  options: { title: string; valueTitle: string },
): Promise<string>;

export declare function chunkSizes(chunks: readonly ChunkLike[], options: { title: string }): Promise<string>;

export declare function timeline(
  chunks: readonly ChunkLike[],
  options: {
    title: string;
    /** The time the x axis starts from; the first chunk's start when left out. */
    origin?: number;
    /** Labelled vertical lines, at ms from `origin`. */
    marks?: readonly { at: number; label: string }[];
  },
): Promise<string>;

export declare function profile(
  values: readonly number[],
  options: { title: string; xTitle: string; yTitle: string },
): Promise<string>;

export declare function scaling(options: {
  title: string;
  points: readonly { workers: number; speedup: number | undefined; oversubscribed: boolean }[];
  law: { name: string; speedup(serialFraction: number, workers: number): number };
  fitted: number;
  compare?: { f: number; label: string };
  maxWorkers: number;
  cores: number;
}): Promise<string>;

export declare function logLine<T extends object>(
  rows: readonly T[],
  options: {
    title: string;
    x: keyof T & string;
    y: keyof T & string;
    xTitle: string;
    yTitle: string;
    series?: keyof T & string;
  },
): Promise<string>;

/** An HTML table; cells that read as numbers are right-aligned. */
export declare function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string;
