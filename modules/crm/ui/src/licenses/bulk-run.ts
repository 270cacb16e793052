import type { BulkAction, BulkItemResult, BulkLicenseResponse, LicenseSummary } from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { allPages, type BulkOutcome, runInParts, toCsv } from "../bulk/bulk-kit.ts";
import type { LicenseQuery } from "./api.ts";

export { BULK_CHUNK, BULK_UI_MAX, download, toCsv } from "../bulk/bulk-kit.ts";

// A bulk action as the licenses table runs it: the gateway takes up to 500 licenses a request
// (POST /api/licenses/bulk); the table sends them in parts of 25 under one bulk id, so it can show
// progress as the parts come back, and a part that fails can be sent again without changing twice
// what was already done (the gateway derives each item's idempotency key from the bulk id).

export type BulkParams = Record<string, unknown>;

/** What the table shows of one license in a run: its row, and what became of it. */
export interface BulkRow {
  license: Pick<LicenseSummary, "id" | "keyHint" | "accountName">;
  result?: BulkOutcome;
}

/** Sends `ids` in parts of `BULK_CHUNK` under one bulk id (`runInParts` says what a refused part does). */
export function runBulk(
  bulkId: string,
  action: BulkAction,
  params: BulkParams,
  ids: string[],
  onPart: (results: BulkItemResult[]) => void,
): Promise<BulkItemResult[]> {
  return runInParts(
    ids,
    async (part) =>
      (await api.post<BulkLicenseResponse>("/api/licenses/bulk", { bulkId, action, ids: part, params }))
        .items,
    onPart,
  );
}

/** Every license the filters match, read a page of 500 at a time, for "select all matching". */
export function allMatching(query: LicenseQuery): Promise<LicenseSummary[] | "too-many"> {
  return allPages((cursor) =>
    api.get<{ items: LicenseSummary[]; nextCursor: string | null }>("/api/licenses", {
      query: { ...query, limit: 500, cursor },
    }),
  );
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
