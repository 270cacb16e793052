// Writes generated legacy tables as their owners would export them (CSV, JSON Lines, CSV in UTF-16
// as SQL Server's tools write it) or into a MariaDB database. Rows stream to disk with backpressure:
// a 50 MB export never sits in memory.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import { stringify } from "csv-stringify";
import mysql from "mysql2/promise";
import type { GeneratedTable, LegacySourceName, Row } from "./legacy-data.ts";
import { legacyTables } from "./legacy-layouts.ts";

export type ExportFormat = "csv" | "jsonl" | "utf16";

/** How each source's tools write CSV: the delimiter, how NULL is spelled, the line ending. */
export const CSV_CONVENTIONS: Record<
  LegacySourceName,
  { delimiter: string; nullText: string; crlf: boolean }
> = {
  studio: { delimiter: ",", nullText: "NULL", crlf: true },
  "vbuc-cli": { delimiter: ";", nullText: "\\N", crlf: false },
  "vbuc-sales": { delimiter: ",", nullText: "", crlf: false },
};

export interface GenerateOptions {
  rows: number;
  seed?: number;
  format?: ExportFormat;
  /** Only these tables (default: all of the source's). */
  tables?: readonly string[];
}

/** Writes `<table>.csv` / `<table>.jsonl` for each table of `source` into `directory`; returns the paths. */
export async function writeLegacyExport(
  directory: string,
  source: LegacySourceName,
  options: GenerateOptions,
): Promise<string[]> {
  const format = options.format ?? "csv";
  const paths: string[] = [];
  for (const table of selected(source, options)) {
    const path = join(directory, `${table.name}.${format === "jsonl" ? "jsonl" : "csv"}`);
    if (format === "jsonl") await writeJsonLines(path, table);
    else await writeCsv(path, table, CSV_CONVENTIONS[source], format === "utf16");
    paths.push(path);
  }
  return paths;
}

/** Creates the source's tables (every column text, as the legacy schemas' loose columns) and fills them. */
export async function writeLegacyDatabase(
  url: string,
  source: LegacySourceName,
  options: GenerateOptions,
): Promise<void> {
  const connection = await mysql.createConnection(url.replace(/^mariadb:/, "mysql:"));
  try {
    for (const table of selected(source, options)) {
      const columns = table.columns.map(
        (c) => `${mysql.escapeId(c)} ${c === "license_file" ? "longtext" : "text"}`,
      );
      await connection.query(
        `create table ${mysql.escapeId(table.name)} (${columns.join(", ")}) character set utf8mb4`,
      );
      let batch: (string | null)[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await connection.query(`insert into ${mysql.escapeId(table.name)} values ?`, [batch]);
        batch = [];
      };
      for (const row of table.rows()) {
        batch.push(table.columns.map((c) => row[c] ?? null));
        if (batch.length === 1000) await flush();
      }
      await flush();
    }
  } finally {
    await connection.end();
  }
}

function selected(source: LegacySourceName, options: GenerateOptions): GeneratedTable[] {
  const tables = legacyTables(source, options.rows, options.seed ?? 1);
  return options.tables === undefined ? tables : tables.filter((t) => options.tables!.includes(t.name));
}

async function writeCsv(
  path: string,
  table: GeneratedTable,
  conventions: { delimiter: string; nullText: string; crlf: boolean },
  utf16: boolean,
): Promise<void> {
  const csv = stringify({
    header: true,
    columns: [...table.columns],
    delimiter: conventions.delimiter,
    record_delimiter: conventions.crlf ? "windows" : "unix",
  });
  const stages = utf16 ? [csv, utf16Encoder(), createWriteStream(path)] : [csv, createWriteStream(path)];
  const done = pipeline(stages as [typeof csv, ...NodeJS.WritableStream[]]);
  for (const row of table.rows()) {
    if (!csv.write(withNullText(row, table.columns, conventions.nullText))) await once(csv, "drain");
  }
  csv.end();
  await done;
}

function withNullText(row: Row, columns: readonly string[], nullText: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const column of columns) out[column] = row[column] ?? nullText;
  return out;
}

/** UTF-8 text in, UTF-16 LE with a BOM out (what SQL Server's export tools write as "Unicode"). */
function utf16Encoder(): Transform {
  const decoder = new StringDecoder("utf8");
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const text = (first ? "\ufeff" : "") + decoder.write(chunk);
      first = false;
      callback(null, Buffer.from(text, "utf16le"));
    },
    flush(callback) {
      callback(null, Buffer.from(decoder.end(), "utf16le"));
    },
  });
}

async function writeJsonLines(path: string, table: GeneratedTable): Promise<void> {
  const out = createWriteStream(path);
  const closed = once(out, "close");
  for (const row of table.rows()) {
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, "drain");
  }
  out.end();
  await closed;
}
