// A directory of exports, one file per table: `<table>.csv` or `<table>.jsonl`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "@licensing/contracts";
import { type CsvOptions, readCsvFile } from "./csv-reader.ts";
import { readJsonLinesFile } from "./jsonl-reader.ts";
import type { LegacySource, SourceRecord } from "./record.ts";

export function openDirectorySource(directory: string, csv: CsvOptions = {}): LegacySource {
  if (!existsSync(directory)) throw new AppError("not_found", `${directory} does not exist.`);
  return {
    description: directory,
    read(table: string): AsyncIterable<SourceRecord> {
      const csvPath = join(directory, `${table}.csv`);
      const jsonlPath = join(directory, `${table}.jsonl`);
      const hasCsv = existsSync(csvPath);
      const hasJsonl = existsSync(jsonlPath);
      if (hasCsv && hasJsonl) {
        throw new AppError("conflict", `${directory} holds both ${table}.csv and ${table}.jsonl: keep one.`);
      }
      if (hasCsv) return readCsvFile(csvPath, table, csv);
      if (hasJsonl) return readJsonLinesFile(jsonlPath, table);
      throw new AppError(
        "not_found",
        `${directory} has no export of ${table} (${table}.csv or ${table}.jsonl).`,
      );
    },
    close: async () => {},
  };
}
