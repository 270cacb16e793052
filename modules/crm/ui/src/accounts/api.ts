import type {
  Account,
  AuditLogEntry,
  createAccountRequest,
  ImportAccountsResponse,
  searchAccountsRequest,
  updateAccountRequest,
} from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";

export type AccountSearch = Omit<z.input<typeof searchAccountsRequest>, "limit"> & { limit: number };
export type CreateAccount = z.input<typeof createAccountRequest>;
export type UpdateAccount = z.input<typeof updateAccountRequest>;

export const accountKeys = {
  all: ["accounts"] as const,
  search: (params: AccountSearch) => ["accounts", "search", params] as const,
  count: (params: Omit<AccountSearch, "cursor" | "limit">) => ["accounts", "count", params] as const,
  one: (id: string) => ["accounts", "one", id] as const,
  history: (id: string, cursor: string | undefined, limit: number) =>
    ["accounts", "history", id, cursor, limit] as const,
};

const path = (id: string, action = "") => `/api/accounts/${encodeURIComponent(id)}${action}`;

export function useAccountSearch(params: AccountSearch) {
  return useQuery({
    queryKey: accountKeys.search(params),
    queryFn: ({ signal }) =>
      api.get<{ items: Account[]; nextCursor: string | null }>("/api/accounts", { query: params, signal }),
    // The table keeps its rows while the next page or the next search loads.
    placeholderData: keepPreviousData,
  });
}

/** How many accounts the search's filters match (the page aside), counted up to 10,000. */
export function useAccountCount(params: Omit<AccountSearch, "cursor" | "limit">) {
  return useQuery({
    queryKey: accountKeys.count(params),
    queryFn: ({ signal }) =>
      api.get<{ count: number; capped: boolean }>("/api/accounts/count", { query: params, signal }),
    placeholderData: keepPreviousData,
    // A total is a nicety beside the table: an answer that is not one (an older gateway) shows none.
    select: (data) => (typeof data?.count === "number" ? data : undefined),
  });
}

export function useAccount(id: string) {
  return useQuery({ queryKey: accountKeys.one(id), queryFn: () => api.get<Account>(path(id)) });
}

/** The account's entries in the audit log, newest first, a page at a time. */
export function useAccountHistory(id: string, cursor: string | undefined, limit: number) {
  return useQuery({
    queryKey: accountKeys.history(id, cursor, limit),
    queryFn: ({ signal }) =>
      api.get<{ items: AuditLogEntry[]; nextCursor: string | null }>(path(id, "/history"), {
        query: { cursor, limit },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

function useAccountChange<Vars>(fn: (vars: Vars) => Promise<Account>, meta?: { form?: boolean }) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: async (account) => {
      queryClient.setQueryData(accountKeys.one(account.id), account);
      await queryClient.invalidateQueries({ queryKey: ["accounts", "search"] });
    },
  });
}

export const useCreateAccount = () =>
  useAccountChange((body: CreateAccount) => api.post<Account>("/api/accounts", body), { form: true });

export const useUpdateAccount = () =>
  useAccountChange(({ id, ...body }: UpdateAccount) => api.patch<Account>(path(id), body), { form: true });

export const useAccountAction = (id: string, action: "archive" | "restore" | "promote") =>
  useAccountChange(() => api.post<Account>(path(id, `/${action}`)));

/** One request of the import; the page sends a file as several (see import-runner.ts). */
export function sendImport(csv: string, dryRun: boolean): Promise<ImportAccountsResponse> {
  return api.post<ImportAccountsResponse>("/api/accounts/import", { csv, dryRun });
}
