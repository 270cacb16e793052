import type { BulkAction, BulkItemResult, BulkLicenseResponse, LicenseSummary } from "@licensing/contracts";
import { ApiError, api, errorMessage } from "@licensing/ui/kit";
import type { LicenseQuery } from "./api.ts";

// A bulk action as the licenses table runs it: the gateway takes up to 500 licenses a request
// (POST /api/licenses/bulk); the table sends them in parts of 25 under one bulk id, so it can show
// progress as the parts come back, and a part that fails can be sent again without changing twice
// what was already done (the gateway derives each item's idempotency key from the bulk id).

/** Licenses per request: small enough that progress moves every second or so. */
export const BULK_CHUNK = 25;
/** The most licenses one bulk run takes in the table ("all matching" is refused beyond). */
export const BULK_UI_MAX = 2_000;

export type BulkParams = Record<string, unknown>;

/** What the table shows of one license in a run: its row, and what became of it. */
export interface BulkRow {
  license: Pick<LicenseSummary, "id" | "keyHint" | "accountName">;
  result?: BulkItemResult;
}

/**
 * Sends `licenses` in parts, calling `onPart` after each with the results so far. A part the gateway
 * refuses as a whole (a lost connection, a 403, a 503) marks its licenses and every later one
 * `failed` with the reason, and the run stops: the operator sees why and may retry those.
 */
export async function runBulk(
  bulkId: string,
  action: BulkAction,
  params: BulkParams,
  ids: string[],
  onPart: (results: BulkItemResult[]) => void,
): Promise<BulkItemResult[]> {
  const results: BulkItemResult[] = [];
  for (let start = 0; start < ids.length; start += BULK_CHUNK) {
    const part = ids.slice(start, start + BULK_CHUNK);
    try {
      const answer = await api.post<BulkLicenseResponse>("/api/licenses/bulk", {
        bulkId,
        action,
        ids: part,
        params,
      });
      results.push(...answer.items);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : undefined;
      const message = `Not done: ${errorMessage(error)}`;
      for (const id of ids.slice(start))
        results.push({ id, outcome: "failed", message, ...(code ? { code } : {}) } as BulkItemResult);
      onPart([...results]);
      return results;
    }
    onPart([...results]);
  }
  return results;
}

/**
 * Every license the filters match, read a page of 500 at a time, for "select all matching". More
 * than `BULK_UI_MAX` is refused: a run that large belongs in smaller filtered parts.
 */
export async function allMatching(query: LicenseQuery): Promise<LicenseSummary[] | "too-many"> {
  const found: LicenseSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<{ items: LicenseSummary[]; nextCursor: string | null }>("/api/licenses", {
      query: { ...query, limit: 500, cursor },
    });
    found.push(...page.items);
    if (found.length > BULK_UI_MAX) return "too-many";
    cursor = page.nextCursor ?? undefined;
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

/** The outcome of every license of a run, as a spreadsheet reads it. */
export const resultsCsv = (rows: BulkRow[]) =>
  toCsv(
    ["License id", "Key (last group)", "Account", "Outcome", "Reason"],
    rows.map(({ license, result }) => [
      license.id,
      license.keyHint,
      license.accountName,
      result?.outcome ?? "not run",
      result?.message ?? "",
    ]),
  );

/** The selected licenses as the table shows them (the server's export takes a filter, not a selection). */
export const selectionCsv = (licenses: LicenseSummary[]) =>
  toCsv(
    [
      "License id",
      "Key (last group)",
      "Account id",
      "Account",
      "Kind",
      "Internal",
      "Products",
      "Status",
      "Start",
      "End",
      "Notice days",
      "Serial",
      "Created by",
      "Created",
    ],
    licenses.map((l) => [
      l.id,
      l.keyHint,
      l.accountId,
      l.accountName,
      l.kind,
      String(l.internal),
      l.products.join(" "),
      l.status,
      l.startDate,
      l.endDate ?? "",
      l.notifyDays ?? "",
      l.serial,
      l.createdByName,
      l.createdAt,
    ]),
  );

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
