import type { UsageBucket } from "@licensing/contracts";
import type { UsageQuery } from "./api.ts";

// The usage report's selection lives in the URL (`/crm/usage?from=2026-03-01&to=2026-03-31&bucket=week`)
// so a view can be shared, bookmarked and linked from the dashboard. Days are UTC calendar days, both
// included: the distribution service groups by UTC day, week and month, so a local day would split
// across two of its periods. The API gets timestamps, `to` being the next day's midnight (exclusive).

/** `none`: one row per account and product over the whole range, no chart. */
export type ReportBucket = UsageBucket | "none";

export interface ReportFilters {
  from: string;
  to: string;
  accountId: string;
  product: string;
  bucket: ReportBucket;
}

const dayMs = 86_400_000;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** A UTC calendar day (YYYY-MM-DD), `plusDays` from `from`. */
export function utcDay(from: Date | string = new Date(), plusDays = 0): string {
  const base = typeof from === "string" ? Date.parse(`${from}T00:00:00Z`) : from.getTime();
  return new Date(base + plusDays * dayMs).toISOString().slice(0, 10);
}

/** The last `days` days, today (UTC) included. */
export function lastDays(days: number, now = new Date()): Pick<ReportFilters, "from" | "to"> {
  return { from: utcDay(now, 1 - days), to: utcDay(now) };
}

/** A calendar month (UTC) `offset` months from the current one. */
export function month(offset = 0, now = new Date()): Pick<ReportFilters, "from" | "to"> {
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1);
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset + 1, 1);
  return { from: utcDay(new Date(first)), to: utcDay(new Date(next - dayMs)) };
}

export function defaultReportFilters(now = new Date()): ReportFilters {
  return { ...lastDays(30, now), accountId: "", product: "", bucket: "day" };
}

const buckets: ReportBucket[] = ["day", "week", "month", "none"];

/** Reads the selection from a URL's query; anything malformed falls back to the default. */
export function reportFiltersFromParams(params: URLSearchParams, now = new Date()): ReportFilters {
  const defaults = defaultReportFilters(now);
  const get = (key: string) => params.get(key)?.trim() ?? "";
  let from = dayPattern.test(get("from")) ? get("from") : defaults.from;
  let to = dayPattern.test(get("to")) ? get("to") : defaults.to;
  if (to < from) [from, to] = [to, from];
  const bucket = get("bucket") as ReportBucket;
  return {
    from,
    to,
    accountId: get("accountId"),
    product: get("product"),
    bucket: buckets.includes(bucket) ? bucket : defaults.bucket,
  };
}

/** The URL query for a selection; the range is always written (the default moves with the days). */
export function reportFiltersToParams(filters: ReportFilters): URLSearchParams {
  const params = new URLSearchParams({ from: filters.from, to: filters.to });
  if (filters.accountId) params.set("accountId", filters.accountId);
  if (filters.product) params.set("product", filters.product);
  if (filters.bucket !== "day") params.set("bucket", filters.bucket);
  return params;
}

/** The API's selection: the first day's midnight to the midnight after the last day, UTC. */
export function reportQuery(filters: ReportFilters): UsageQuery {
  const query: UsageQuery = {
    from: `${filters.from}T00:00:00.000Z`,
    to: `${utcDay(filters.to, 1)}T00:00:00.000Z`,
  };
  if (filters.accountId) query.accountId = filters.accountId;
  if (filters.product) query.product = filters.product;
  if (filters.bucket !== "none") query.bucket = filters.bucket;
  return query;
}

/** A link to the usage report with `filters` over the default selection. */
export function usageLink(filters: Partial<ReportFilters>): string {
  return `/crm/usage?${reportFiltersToParams({ ...defaultReportFilters(), ...filters })}`;
}

/** The days a period covers: clicking a bar narrows the report to them (clipped to its range). */
export function periodRange(period: string, bucket: UsageBucket): Pick<ReportFilters, "from" | "to"> {
  if (bucket === "day") return { from: period, to: period };
  if (bucket === "week") return { from: period, to: utcDay(period, 6) };
  const start = new Date(`${period}T00:00:00Z`);
  return month(0, start);
}

const monthName = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" });
const dayName = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** A period's label: its day, "week of" its Monday, or its month. */
export function periodLabel(period: string, bucket: UsageBucket): string {
  const date = new Date(`${period}T00:00:00Z`);
  if (bucket === "month") return monthName.format(date);
  return bucket === "week" ? `Week of ${dayName.format(date)}` : dayName.format(date);
}

/** A day (YYYY-MM-DD) in the operator's words, read as the UTC day it is. */
export const dayLabel = (day: string) => dayName.format(new Date(`${day}T00:00:00Z`));
