import type {
  CockpitReportPage,
  CockpitReportRow,
  Lease,
  LicenseUsage,
  Machine,
  UsageBucket,
  UsageReportPage,
  UsageReportRow,
  UsageSummary,
} from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { licensePath } from "../licenses/api.ts";

/** The report's selection as the gateway takes it (`to` exclusive). */
export interface UsageQuery {
  from: string;
  to: string;
  accountId?: string;
  product?: string;
  bucket?: UsageBucket;
}

export type NamedUsageRow = UsageReportRow & { accountName: string | null };
export type NamedUsageReport = Omit<UsageReportPage, "items"> & { items: NamedUsageRow[] };

export type NamedCockpitRow = CockpitReportRow & { accountName: string | null };
export type NamedCockpitReport = Omit<CockpitReportPage, "items"> & { items: NamedCockpitRow[] };

/** The cockpit section's selection: the report's, without grouping by period. */
export type CockpitQuery = Omit<UsageQuery, "bucket">;

export const usageKeys = {
  all: ["usage"] as const,
  license: (id: string) => ["usage", "license", id] as const,
  report: (query: UsageQuery & { cursor?: string; limit?: number }) => ["usage", "report", query] as const,
  cockpits: (query: CockpitQuery & { cursor?: string; limit?: number }) =>
    ["usage", "cockpits", query] as const,
  summary: (days: number) => ["usage", "summary", days] as const,
};

export const useLicenseUsage = (id: string) =>
  useQuery({
    queryKey: usageKeys.license(id),
    queryFn: ({ signal }) => api.get<LicenseUsage>(licensePath(id, "/usage"), { signal }),
    // Machines come and go while the page is open; a fresh look on focus is cheap.
    refetchOnWindowFocus: true,
  });

export function useUsageReport(query: UsageQuery & { cursor?: string; limit?: number }) {
  return useQuery({
    queryKey: usageKeys.report(query),
    queryFn: ({ signal }) => api.get<NamedUsageReport>("/api/usage/report", { query: { ...query }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useCockpitReport(query: CockpitQuery & { cursor?: string; limit?: number }) {
  return useQuery({
    queryKey: usageKeys.cockpits(query),
    queryFn: ({ signal }) =>
      api.get<NamedCockpitReport>("/api/usage/cockpits", { query: { ...query }, signal }),
    placeholderData: keepPreviousData,
  });
}

export const useUsageSummary = (days = 30) =>
  useQuery({
    queryKey: usageKeys.summary(days),
    queryFn: ({ signal }) => api.get<UsageSummary>("/api/usage/summary", { query: { days }, signal }),
  });

/** Where the browser downloads a report (`report` or `cockpits`) of `query` from, as CSV. */
export function usageCsvUrl(query: UsageQuery, report: "report" | "cockpits" = "report"): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, String(value));
  return `/api/usage/${report}.csv?${params}`;
}

/** Frees a machine's activation or a collector's seat; every usage figure is stale afterwards. */
function useFree<Result>(path: (target: string) => string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ target, reason }: { target: string; reason: string }) =>
      api.post<Result>(path(target), reason ? { reason } : {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usageKeys.all }),
  });
}

export const useDeactivateMachine = (licenseId: string) =>
  useFree<Machine>((id) => licensePath(licenseId, `/machines/${encodeURIComponent(id)}/deactivate`));

export const useReleaseLease = (licenseId: string) =>
  useFree<Lease>((id) => licensePath(licenseId, `/leases/${encodeURIComponent(id)}/release`));
