import type {
  AuditEntry,
  createLicenseRequest,
  Dashboard,
  IssuedLicense,
  LicenseDetail,
  LicenseSummary,
  ListLicensesRequest,
  licenseVersionSchema,
} from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import {
  keepPreviousData,
  type MutationMeta,
  type QueryClient,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import type { z } from "zod";
import type { AmendBody } from "./amendment.ts";

export type CreateLicense = z.input<typeof createLicenseRequest>;
export type LicenseVersion = z.infer<typeof licenseVersionSchema>;
export interface Created {
  batchId: string | null;
  licenses: IssuedLicense[];
}
/** The list's query as the gateway takes it: statuses comma-separated, everything else as is. */
export type LicenseQuery = Omit<ListLicensesRequest, "status" | "limit"> & {
  status?: string;
  limit?: number;
};

export const licenseKeys = {
  all: ["licenses"] as const,
  list: (query: LicenseQuery) => ["licenses", "list", query] as const,
  count: (query: LicenseQuery) => ["licenses", "count", query] as const,
  one: (id: string) => ["licenses", "one", id] as const,
  versions: (id: string) => ["licenses", "one", id, "versions"] as const,
  audit: (id: string) => ["licenses", "one", id, "audit"] as const,
  dashboard: ["licenses", "dashboard"] as const,
};

export const licensePath = (id: string, action = "") => `/api/licenses/${encodeURIComponent(id)}${action}`;

/** Where the browser downloads a file from: the current version's, or one version's. */
export const fileUrl = (id: string, serial?: number) =>
  licensePath(id, serial === undefined ? "/file" : `/versions/${serial}/file`);

export function useLicenses(query: LicenseQuery) {
  return useQuery({
    queryKey: licenseKeys.list(query),
    queryFn: ({ signal }) =>
      api.get<{ items: LicenseSummary[]; nextCursor: string | null }>("/api/licenses", { query, signal }),
    placeholderData: keepPreviousData,
  });
}

/** How many licenses the filters match (sort and page aside), counted up to 10,000 by the issuer. */
export function useLicenseCount(query: LicenseQuery) {
  const { sort: _sort, order: _order, cursor: _cursor, limit: _limit, ...filters } = query;
  return useQuery({
    queryKey: licenseKeys.count(filters),
    queryFn: ({ signal }) =>
      api.get<{ count: number; capped: boolean }>("/api/licenses/count", { query: filters, signal }),
    placeholderData: keepPreviousData,
    // A total is a nicety beside the table: an answer that is not one (an older gateway) shows none.
    select: (data) => (typeof data?.count === "number" ? data : undefined),
  });
}

export const useLicense = (id: string) =>
  useQuery({ queryKey: licenseKeys.one(id), queryFn: () => api.get<LicenseDetail>(licensePath(id)) });

/** The license "Clone as new license" starts the generator from (none without an id). */
export const useCloneSource = (id: string | null) =>
  useQuery({
    queryKey: licenseKeys.one(id ?? ""),
    queryFn: () => api.get<LicenseDetail>(licensePath(id ?? "")),
    enabled: Boolean(id),
  });

export const useVersions = (id: string) =>
  useQuery({
    queryKey: licenseKeys.versions(id),
    queryFn: () => api.get<{ items: LicenseVersion[] }>(licensePath(id, "/versions")),
    select: (data) => data.items,
  });

export const useAudit = (id: string) =>
  useQuery({
    queryKey: licenseKeys.audit(id),
    queryFn: () => api.get<{ items: AuditEntry[] }>(licensePath(id, "/audit")),
    select: (data) => data.items,
  });

export const useDashboard = () =>
  useQuery({ queryKey: licenseKeys.dashboard, queryFn: () => api.get<Dashboard>("/api/dashboard") });

/** After any creation or change, every list, figure and page of licenses is stale. */
function useLicenseMutation<Vars, Result>(
  fn: (vars: Vars) => Promise<Result>,
  meta?: MutationMeta,
  onAnswer?: (result: Result, queryClient: QueryClient) => void,
) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: (result) => {
      onAnswer?.(result, queryClient);
      return queryClient.invalidateQueries({
        queryKey: licenseKeys.all,
        // A license page the answer has just filled is current: not loaded again.
        predicate: (query) => !onAnswer || !isPageOf(query.queryKey, result),
      });
    },
  });
}

const isPageOf = (key: readonly unknown[], result: unknown) =>
  key.length === 3 && key[1] === "one" && key[2] === (result as { id?: unknown }).id;

export const useCreateLicense = () =>
  useLicenseMutation((body: CreateLicense) => api.post<Created>("/api/licenses", body), {
    form: true,
    // The issuer's 413 (content past 2 MiB, or a batch past 16 MiB) shows beside the size.
    inPlace: ["payload_too_large"],
  });

export const useQuickGenerate = () =>
  useLicenseMutation((body: { presetId: string; accountId: string; idempotencyKey: string }) =>
    api.post<Created>("/api/licenses/quick-generate", body),
  );

export type LifecycleVerb = "renew" | "reissue" | "suspend" | "reinstate" | "revoke";

/**
 * A lifecycle change answers the license as it now is: the page shows that answer at once rather than
 * loading the license (and its metadata, up to 2 MiB) a second time.
 */
export const useLifecycle = (id: string, verb: LifecycleVerb) =>
  useLicenseMutation(
    (body: { reason?: string; endDate?: string | null; extendDays?: number; idempotencyKey?: string }) =>
      api.post<LicenseDetail>(licensePath(id, `/${verb}`), body),
    { form: true },
    (detail, queryClient) => queryClient.setQueryData(licenseKeys.one(id), detail),
  );

/** An amendment signs a new version and answers the license as it now is (as a lifecycle change). */
export const useAmend = (id: string) =>
  useLicenseMutation(
    (body: AmendBody & { idempotencyKey: string }) =>
      api.post<LicenseDetail>(licensePath(id, "/amend"), body),
    { form: true, inPlace: ["payload_too_large"] },
    (detail, queryClient) => queryClient.setQueryData(licenseKeys.one(id), detail),
  );

export const useRevealKey = (id: string) => {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<{ licenseKey: string }>(licensePath(id, "/reveal-key")),
    // The reveal is in the audit trail now.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: licenseKeys.audit(id) }),
  });
};

/** A fresh idempotency key (the issuer wants 8–200 characters). */
export function newIdempotencyKey(): string {
  return `ui-${crypto.randomUUID()}`;
}
