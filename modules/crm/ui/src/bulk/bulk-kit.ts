import { ApiError, errorMessage } from "@licensing/ui/kit";

// What the licenses and accounts tables share for bulk actions: the parts a run is sent in, the
// reading of "every match", and the CSV written in the browser. Each table says what it sends.

/** Rows per request: small enough that progress moves every second or so. */
export const BULK_CHUNK = 25;
/** The most rows one bulk run takes in a table ("all matching" is refused beyond). */
export const BULK_UI_MAX = 2_000;

/** What became of one row of a run, whatever the table (the gateway's bulk answers' items). */
export interface BulkOutcome {
  id: string;
  outcome: "done" | "refused" | "failed";
  code?: string;
  message?: string;
}

/** One row of a run and what became of it (none yet: waiting, or not run). */
export interface RunRowOf<T> {
  row: T;
  result?: BulkOutcome;
}

/** A noun in both numbers, for "1 license", "37 licenses". */
export interface Noun {
  one: string;
  many: string;
}

export const countOf = (n: number, noun: Noun) => `${n.toLocaleString()} ${n === 1 ? noun.one : noun.many}`;

/**
 * Sends `ids` in parts through `send`, calling `onPart` after each with the results so far. A part
 * the gateway refuses as a whole (a lost connection, a 403, a 503) marks its rows and every later
 * one `failed` with the reason, and the run stops: the operator sees why and may retry those.
 */
export async function runInParts<R extends BulkOutcome>(
  ids: string[],
  send: (part: string[]) => Promise<R[]>,
  onPart: (results: R[]) => void,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < ids.length; start += BULK_CHUNK) {
    const part = ids.slice(start, start + BULK_CHUNK);
    try {
      results.push(...(await send(part)));
    } catch (error) {
      const code = error instanceof ApiError ? error.code : undefined;
      const message = `Not done: ${errorMessage(error)}`;
      for (const id of ids.slice(start))
        results.push({ id, outcome: "failed", message, ...(code ? { code } : {}) } as R);
      onPart([...results]);
      return results;
    }
    onPart([...results]);
  }
  return results;
}

/**
 * Every row a list's filters match, read a page at a time through `page`, for "select all
 * matching". More than `BULK_UI_MAX` is refused: a run that large belongs in smaller filtered parts.
 */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[] | "too-many"> {
  const found: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    found.push(...answer.items);
    if (found.length > BULK_UI_MAX) return "too-many";
    cursor = answer.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/** A cell a spreadsheet would run as a formula gets a leading apostrophe (as the server's export). */
const cell = (value: string | number) => {
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** CSV text (with a byte order mark, for spreadsheets) of a header and rows. */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n")}\r\n`;
}

/** Hands `text` to the browser as a download named `name`. */
export function download(name: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
