// A row group's flat columns (top-level values, not lists, maps or structs: a table's ordinary
// columns, as Spark, Dask and DuckDB write them), decoded page by page with hyparquet's own page
// readers. hyparquet's column reader passes every page through its general Dremel assembly, which
// rebuilds nested lists value by value; for a nullable flat column that took about 85 ns a value,
// half of a worker's time on an aggregation over a DuckDB-written dataset. Here a page without nulls
// keeps the array hyparquet decoded, and a page with nulls is filled in one pass. A version 1 page's
// definition levels are read here, into one array reused from page to page: hyparquet allocates
// them afresh for every page, as large as the page, and fresh memory, page-faulted in by the kernel,
// cost a worker about a quarter of its time on a DuckDB-written dataset.
import type {
  AsyncBuffer,
  ColumnMetaData,
  Compressors,
  DecodedArray,
  PageHeader,
  ParquetParsers,
  SchemaTree,
} from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { convert, convertWithDictionary, DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { readPlain } from "hyparquet/src/plain.js";
import { getMaxDefinitionLevel, isFlatColumn } from "hyparquet/src/schema.js";
import type { Page } from "./row-group-columns.ts";

/** How hyparquet's page readers decode a column (not among its exported types). */
type ColumnDecoder = Parameters<typeof readDataPageV2>[2];

/** How the file's values are decoded: as for hyparquet's parquetRead. */
export interface DecodeOptions {
  readonly compressors: Compressors;
  readonly utf8: boolean;
  readonly parsers: Partial<ParquetParsers>;
}

/** Whether this reader can decode the column at `schemaPath` (root first). */
export const readsFlat = (schemaPath: SchemaTree[]): boolean => isFlatColumn(schemaPath);

/** The pages of one flat column chunk of a row group, each with the row (of the group) it starts at. */
export async function readFlatColumn(
  file: AsyncBuffer,
  meta: ColumnMetaData,
  schemaPath: SchemaTree[],
  options: DecodeOptions,
): Promise<Page[]> {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const bytes = await file.slice(start, start + Number(meta.total_compressed_size));
  const reader = { view: new DataView(bytes), offset: 0 };
  const decoder: ColumnDecoder = {
    pathInSchema: meta.path_in_schema,
    element: schemaPath.at(-1)!.element,
    schemaPath,
    type: meta.type,
    codec: meta.codec,
    compressors: options.compressors,
    utf8: options.utf8,
    parsers: { ...DEFAULT_PARSERS, ...options.parsers },
  };
  const maxDefinition = getMaxDefinitionLevel(schemaPath);
  // The column as hyparquet's page reader sees it once this reader has taken the levels: required.
  const [root, leaf] = schemaPath as [SchemaTree, SchemaTree];
  const valuesOnly: ColumnDecoder = {
    ...decoder,
    schemaPath: [root, { ...leaf, element: { ...leaf.element, repetition_type: "REQUIRED" } }],
  };
  const rows = Number(meta.num_values);
  const pages: Page[] = [];
  let dictionary: DecodedArray | undefined;
  let rowStart = 0;
  while (rowStart < rows && reader.offset < bytes.byteLength - 1) {
    const header = parquetHeader(reader);
    const compressed = new Uint8Array(bytes, reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const page = decompress(header, compressed, decoder);
      const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const count = header.dictionary_page_header!.num_values;
      dictionary = convert(readPlain(pageReader, decoder.type, count, decoder.element.type_length), decoder);
      continue;
    }
    const data = dataPage(header, compressed, { decoder, valuesOnly }, dictionary, maxDefinition);
    pages.push({ rowStart, data });
    rowStart += data.length;
  }
  return pages;
}

function decompress(header: PageHeader, compressed: Uint8Array, decoder: ColumnDecoder): Uint8Array {
  return decompressPage(compressed, header.uncompressed_page_size, decoder.codec, decoder.compressors);
}

/** A data page's values, one per row, null where the row has none. */
function dataPage(
  header: PageHeader,
  compressed: Uint8Array,
  { decoder, valuesOnly }: { decoder: ColumnDecoder; valuesOnly: ColumnDecoder },
  dictionary: DecodedArray | undefined,
  maxDefinition: number,
): DecodedArray {
  let decoded;
  let encoding;
  let levels: ArrayLike<number> | undefined;
  if (header.type === "DATA_PAGE") {
    const daph = header.data_page_header!;
    encoding = daph.encoding;
    const page = decompress(header, compressed, decoder);
    if (maxDefinition === 0) decoded = readDataPage(page, daph, decoder);
    else {
      // A version 1 page: the definition levels (a 4-byte length, then the RLE/bit-packed hybrid of
      // width 1 for a flat column), then the values of the rows that have one.
      const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      levels = reusedLevels(daph.num_values);
      readRleBitPackedHybrid(reader, 1, levels as Int32Array);
      let present = 0;
      for (let i = 0; i < levels.length; i++) if (levels[i] === maxDefinition) present++;
      const values = page.subarray(reader.offset);
      decoded = readDataPage(values, { ...daph, num_values: present }, valuesOnly);
    }
  } else if (header.type === "DATA_PAGE_V2") {
    decoded = readDataPageV2(compressed, header, decoder);
    encoding = header.data_page_header_v2!.encoding;
    levels = decoded.definitionLevels;
  } else {
    throw new Error(`parquet unsupported page type: ${header.type}`);
  }
  const values = convertWithDictionary(decoded.dataPage, dictionary, encoding, decoder);
  if (!levels || levels.length === 0 || levels.length === values.length) return values;
  const rows = new Array<unknown>(levels.length);
  for (let i = 0, v = 0; i < levels.length; i++) rows[i] = levels[i] === maxDefinition ? values[v++] : null;
  return rows as DecodedArray;
}

let levelsBuffer = new Int32Array(0);

/** An array of `count` definition levels, the same memory for every page (a page's levels are used before the next is read). */
function reusedLevels(count: number): Int32Array {
  if (levelsBuffer.length < count) levelsBuffer = new Int32Array(count);
  return levelsBuffer.subarray(0, count);
}
