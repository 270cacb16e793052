import type {
  Account,
  BulkAccountAction,
  BulkAccountItemResult,
  BulkAccountResponse,
} from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { allPages, type RunRowOf, runInParts, toCsv } from "../bulk/bulk-kit.ts";
import type { AccountSearch } from "./api.ts";
import { countryName } from "./countries.ts";

// A bulk action as the accounts table runs it: POST /api/accounts/bulk takes up to 500 accounts a
// request; the table sends them in parts of 25 under one bulk id, as the licenses table does, so it
// shows progress and a part that failed can be sent again (a repeated promotion is reported done).

export type AccountFilter = Pick<AccountSearch, "query" | "type" | "includeArchived">;

/** Sends `ids` in parts under one bulk id (`runInParts` says what a refused part does). */
export function runAccountBulk(
  bulkId: string,
  action: BulkAccountAction,
  ids: string[],
  onPart: (results: BulkAccountItemResult[]) => void,
): Promise<BulkAccountItemResult[]> {
  return runInParts(
    ids,
    async (part) =>
      (await api.post<BulkAccountResponse>("/api/accounts/bulk", { bulkId, action, ids: part })).items,
    onPart,
  );
}

/** Every account the search's filters match, read a page of 500 at a time, for "select all matching". */
export function allMatchingAccounts(filter: AccountFilter): Promise<Account[] | "too-many"> {
  return allPages((cursor) =>
    api.get<{ items: Account[]; nextCursor: string | null }>("/api/accounts", {
      query: { ...filter, limit: 500, cursor },
    }),
  );
}

/**
 * The reason shown for a row, in the operator's words: the row already names the account, so a
 * refusal the catalog words with the account's id is said without it.
 */
export function accountReason(result: { code?: string; message?: string } | undefined): string {
  if (!result) return "";
  if (result.code === "account_archived") return "The account is archived: restore it before promoting it.";
  if (result.code === "not_found") return "The account no longer exists.";
  return result.message ?? "";
}

/** The selected accounts as the table shows them, with their ids (spreadsheet-safe, as every export). */
export const accountsCsv = (accounts: Account[]) =>
  toCsv(
    [
      "Account id",
      "Name",
      "Type",
      "Archived",
      "Country code",
      "Country",
      "Sales owner",
      "Main contact",
      "External id",
      "Updated",
    ],
    accounts.map((a) => [
      a.id,
      a.name,
      a.type,
      String(a.archived),
      a.country ?? "",
      a.country ? countryName(a.country) : "",
      a.salesOwner ?? "",
      a.contacts[0]?.email ?? "",
      a.externalId ?? "",
      a.updatedAt,
    ]),
  );

/** The outcome of every account of a run, as a spreadsheet reads it. */
export const accountResultsCsv = (rows: RunRowOf<Pick<Account, "id" | "name" | "type">>[]) =>
  toCsv(
    ["Account id", "Name", "Type before", "Outcome", "Reason"],
    rows.map(({ row, result }) => [
      row.id,
      row.name,
      row.type,
      result?.outcome ?? "not run",
      result ? accountReason(result) : "",
    ]),
  );
