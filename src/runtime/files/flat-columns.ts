// A row group's flat columns (top-level values, not lists, maps or structs: a table's ordinary
// columns, as Spark, Dask and DuckDB write them), decoded page by page with hyparquet's own page
// readers. hyparquet's column reader passes every page through its general Dremel assembly, which
// rebuilds nested lists value by value; for a nullable flat column that took about 85 ns a value,
// half of a worker's time on an aggregation over a DuckDB-written dataset. Here a page without nulls
// keeps the array hyparquet decoded, and a page with nulls is filled in one pass.
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
    const data = dataPage(header, compressed, decoder, dictionary, maxDefinition);
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
  decoder: ColumnDecoder,
  dictionary: DecodedArray | undefined,
  maxDefinition: number,
): DecodedArray {
  let decoded;
  let encoding;
  if (header.type === "DATA_PAGE") {
    decoded = readDataPage(decompress(header, compressed, decoder), header.data_page_header!, decoder);
    encoding = header.data_page_header!.encoding;
  } else if (header.type === "DATA_PAGE_V2") {
    decoded = readDataPageV2(compressed, header, decoder);
    encoding = header.data_page_header_v2!.encoding;
  } else {
    throw new Error(`parquet unsupported page type: ${header.type}`);
  }
  const values = convertWithDictionary(decoded.dataPage, dictionary, encoding, decoder);
  const levels = decoded.definitionLevels;
  if (!levels || levels.length === 0 || levels.length === values.length) return values;
  const rows = new Array<unknown>(levels.length);
  for (let i = 0, v = 0; i < levels.length; i++) rows[i] = levels[i] === maxDefinition ? values[v++] : null;
  return rows as DecodedArray;
}
