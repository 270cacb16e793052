// CSV exports: a header row, then one record per row. Parsing is csv-parse's (quotes, doubled quotes,
// delimiters and newlines inside quoted fields, CRLF); this file only decodes, picks the delimiter and
// turns each record into a row named by the header.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@licensing/contracts";
import { CsvError, type Info, parse } from "csv-parse";
import type { CellValue, SourceRecord } from "./record.ts";
import { decodeFile } from "./text-decoding.ts";

export type CsvDelimiter = "," | ";" | "\t";

/** How a CSV export is written; what is not given is detected or defaulted. */
export interface CsvOptions {
  /** Detected from the header line when not given (the one of `,` `;` tab it holds most of). */
  delimiter?: CsvDelimiter;
  /**
   * Unquoted cell texts that mean SQL NULL (compared exactly). Default `["NULL", ""]`: an empty
   * unquoted cell is NULL, a quoted `""` is the empty string, and a quoted `"NULL"` is the text NULL.
   */
  nullValues?: readonly string[];
}

const DELIMITERS: readonly CsvDelimiter[] = [",", ";", "\t"];

/** The delimiter a header line uses: the candidate that occurs most often outside quotes. */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char as CsvDelimiter)) {
      counts.set(char as CsvDelimiter, counts.get(char as CsvDelimiter)! + 1);
    }
  }
  let best: CsvDelimiter = ",";
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Streams the rows of a CSV file as `table`. A row whose field count differs from the header's is a row error. */
export async function* readCsvFile(
  path: string,
  table: string,
  options: CsvOptions = {},
): AsyncGenerator<SourceRecord> {
  const nullValues = new Set(options.nullValues ?? ["NULL", ""]);
  const text = decodeFile(path);
  const { head, rest } = await peekFirstLine(text);
  const delimiter = options.delimiter ?? detectDelimiter(head.split(/\r?\n/, 1)[0] ?? "");
  const parser = parse({
    delimiter,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    cast: (value, context) => (!context.quoting && nullValues.has(value) ? null : value),
  });
  // pipeline() carries a read error (a missing file, bytes that are not UTF-8) into the parser, so
  // the loop below sees it; it is awaited at the end so nothing is left unhandled.
  const done = pipeline(Readable.from(prepend(head, rest)), parser);
  done.catch(() => {}); // surfaced through the parser's iterator; awaited below
  let header: string[] | null = null;
  let rowNumber = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: CellValue[]; info: Info }>) {
      if (header === null) {
        header = record.map((name) => (name ?? "").trim());
        checkHeader(header, path);
        continue;
      }
      rowNumber += 1;
      if (record.length !== header.length) {
        yield {
          table,
          rowNumber,
          error: `line ${info.lines}: ${record.length} fields where the header has ${header.length}`,
        };
        continue;
      }
      const values: Record<string, CellValue> = {};
      header.forEach((name, i) => {
        values[name] = record[i] ?? null;
      });
      yield { table, rowNumber, values };
    }
    await done;
  } catch (error) {
    if (error instanceof CsvError) {
      throw new AppError("validation_failed", `${path}: ${error.message}`, { code: error.code });
    }
    throw error;
  } finally {
    parser.destroy();
  }
}

function checkHeader(header: string[], path: string): void {
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "") throw new AppError("validation_failed", `${path}: the header has an empty column name.`);
    if (seen.has(name)) throw new AppError("validation_failed", `${path}: the header names ${name} twice.`);
    seen.add(name);
  }
}

/** Reads chunks until the first line is whole (or the text ends), to pick the delimiter before parsing. */
async function peekFirstLine(
  text: AsyncGenerator<string>,
): Promise<{ head: string; rest: AsyncGenerator<string> }> {
  let head = "";
  while (!head.includes("\n")) {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
  }
  return { head, rest: text };
}

async function* prepend(head: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  if (head !== "") yield head;
  yield* rest;
}
