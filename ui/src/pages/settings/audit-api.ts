import type { AuditedService, AuditLogEntry } from "@licensing/contracts";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../../kit/api.ts";

/** What the Settings → Audit page filters by; empty strings mean "any". */
export interface AuditFilters {
  actor: string;
  entityType: string;
  entityId: string;
  action: string;
  service: AuditedService | "";
  /** UTC days, `YYYY-MM-DD`, both included. */
  fromDay: string;
  toDay: string;
}

export const noAuditFilters: AuditFilters = {
  actor: "",
  entityType: "",
  entityId: "",
  action: "",
  service: "",
  fromDay: "",
  toDay: "",
};

export interface AuditPage {
  items: AuditLogEntry[];
  nextCursor: string | null;
  unavailable: AuditedService[];
}

/** The query the gateway takes (`GET /api/audit`), without the page. */
export function auditQuery(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of ["actor", "entityType", "entityId", "action", "service"] as const) {
    const value = filters[key].trim();
    if (value) query[key] = value;
  }
  if (filters.fromDay) query.from = `${filters.fromDay}T00:00:00.000Z`;
  if (filters.toDay) query.to = `${filters.toDay}T23:59:59.999Z`;
  return query;
}

export function useAuditLog(
  query: Record<string, string>,
  page: { cursor?: string | undefined; limit: number },
) {
  return useQuery({
    queryKey: ["audit", query, page],
    queryFn: ({ signal }) =>
      api.get<AuditPage>("/api/audit", {
        query: { ...query, cursor: page.cursor, limit: page.limit },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

export function auditCsvUrl(query: Record<string, string>): string {
  return `/api/audit.csv?${new URLSearchParams(query)}`;
}
