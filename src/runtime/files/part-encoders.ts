// How a sink turns records into a part file's bytes: one encoder per part file, made by its
// format's factory. A format is one encoder: open a part (the factory), write each record, end.
// Encoders only make bytes; the part writer (part-writer.ts) decides where they go.
import type { SinkFormat } from "../../protocol/sinks.ts";

/** One part file's records as bytes. */
export interface PartEncoder {
  /**
   * Takes one record. Throws, saying why, for a record the format cannot hold: the item that made
   * it fails as itself, before anything of it is written.
   */
  write(record: unknown): void;
  /** The bytes encoded since the last call, to append to the file in order (nothing if none are ready). */
  take(): Uint8Array | string | undefined;
  /** The part's last bytes, once every record is written (a footer; nothing for a text format). */
  end(): Uint8Array | string | undefined;
  /**
   * What every part of one dataset must agree on, in words (a CSV part's columns), once every record
   * is written: the pool refuses a dataset whose parts differ. None for a format without a schema.
   */
  schema?(): string | undefined;
}

/** Opens the encoder of one part file. */
export type EncoderFactory = () => PartEncoder;

/**
 * The factory of `format`'s encoders. With `partitionBy`, each record reaches the encoder without
 * its partition fields. Each format's module is loaded when a sink of it first runs.
 */
export async function encoderFactory(format: SinkFormat, partitioned: boolean): Promise<EncoderFactory> {
  switch (format.type) {
    case "lines":
    case "json": {
      const { lineEncoder } = await import("./line-encoder.ts");
      return () => lineEncoder(format, partitioned);
    }
    case "csv": {
      const { CsvEncoder } = await import("./csv-encoder.ts");
      return () => new CsvEncoder(format);
    }
    case "parquet": {
      const { ParquetEncoder } = await import("./parquet-writer.ts");
      return () => new ParquetEncoder(format);
    }
  }
}
