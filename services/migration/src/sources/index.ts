export { type CsvDelimiter, type CsvOptions, detectDelimiter, readCsvFile } from "./csv-reader.ts";
export { openDirectorySource } from "./directory-source.ts";
export { readJsonLinesFile } from "./jsonl-reader.ts";
export { openMssqlSource } from "./mssql-source.ts";
export { openMysqlSource } from "./mysql-source.ts";
export { openSource } from "./open-source.ts";
export {
  type CellValue,
  isRowError,
  type LegacySource,
  type SourceRecord,
  type SourceRow,
  type SourceRowError,
} from "./record.ts";
export { decodeFile, encodingFromBom, type TextEncodingName } from "./text-decoding.ts";
