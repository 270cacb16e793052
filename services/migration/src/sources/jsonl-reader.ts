// JSON Lines exports: one object per line. A line that is not a JSON object is a row error with its
// line number, and the read goes on; blank lines are skipped but counted, so numbers stay line numbers.
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { CellValue, SourceRecord } from "./record.ts";
import { decodeFile } from "./text-decoding.ts";

/** Streams the rows of a JSON Lines file as `table`; `rowNumber` is the line number. */
export async function* readJsonLinesFile(path: string, table: string): AsyncGenerator<SourceRecord> {
  const lines = createInterface({
    input: Readable.from(decodeFile(path)),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        yield { table, rowNumber: lineNumber, error: `not JSON: ${(error as Error).message}` };
        continue;
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        yield { table, rowNumber: lineNumber, error: "not a JSON object" };
        continue;
      }
      yield {
        table,
        rowNumber: lineNumber,
        values: toCells(parsed as Record<string, unknown>),
        partial: true,
      };
    }
  } finally {
    lines.close();
  }
}

/** Values as the other readers give them: text or null (numbers and booleans as their JSON text). */
function toCells(object: Record<string, unknown>): Record<string, CellValue> {
  const values: Record<string, CellValue> = {};
  for (const [name, value] of Object.entries(object)) {
    values[name] =
      value === null || value === undefined
        ? null
        : typeof value === "string"
          ? value
          : typeof value === "object"
            ? JSON.stringify(value)
            : String(value);
  }
  return values;
}
