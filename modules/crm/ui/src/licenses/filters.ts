import { type LicenseStatus, licenseSorts, licenseStatuses } from "@licensing/contracts";
import type { LicenseQuery } from "./api.ts";

// The licenses table's filters live in the URL (`/crm/licenses?status=expiring&product=collector`),
// so a filtered view can be shared, bookmarked, linked from the dashboard and survives a reload.
// Dates are calendar days (YYYY-MM-DD) in the operator's time zone; the API gets timestamps, the
// "to" day included (its end is the next day's start, as the issuer's `<` wants).

export type LicenseSort = (typeof licenseSorts)[number];

export interface LicenseFilters {
  text: string;
  accountId: string;
  product: string;
  kind: "" | "commercial" | "test";
  internal: "" | "true" | "false";
  status: LicenseStatus[];
  createdBy: string;
  createdFrom: string;
  createdTo: string;
  endFrom: string;
  endTo: string;
  sort: LicenseSort;
  order: "asc" | "desc";
}

export const noFilters: LicenseFilters = {
  text: "",
  accountId: "",
  product: "",
  kind: "",
  internal: "",
  status: [],
  createdBy: "",
  createdFrom: "",
  createdTo: "",
  endFrom: "",
  endTo: "",
  sort: "createdAt",
  order: "desc",
};

const day = /^\d{4}-\d{2}-\d{2}$/;
const dateKeys = ["createdFrom", "createdTo", "endFrom", "endTo"] as const;

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Reads the filters from a URL's query; anything malformed is ignored rather than sent. */
export function filtersFromParams(params: URLSearchParams): LicenseFilters {
  const get = (key: string) => params.get(key)?.trim() ?? "";
  const dates = Object.fromEntries(dateKeys.map((key) => [key, day.test(get(key)) ? get(key) : ""]));
  return {
    text: get("text"),
    accountId: get("accountId"),
    product: get("product"),
    kind: oneOf(get("kind"), ["", "commercial", "test"] as const, ""),
    internal: oneOf(get("internal"), ["", "true", "false"] as const, ""),
    status: [
      ...new Set(
        get("status")
          .split(",")
          .filter((s): s is LicenseStatus => licenseStatuses.includes(s as LicenseStatus)),
      ),
    ],
    createdBy: get("createdBy"),
    ...(dates as Pick<LicenseFilters, (typeof dateKeys)[number]>),
    sort: oneOf(get("sort"), licenseSorts, "createdAt"),
    order: oneOf(get("order"), ["asc", "desc"] as const, "desc"),
  };
}

/** The URL query for `filters`, leaving out what is at its default. */
export function filtersToParams(filters: LicenseFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters) as [keyof LicenseFilters, unknown][]) {
    const text = Array.isArray(value) ? value.join(",") : String(value);
    if (text !== "" && text !== String(noFilters[key])) params.set(key, text);
  }
  return params;
}

/** Midnight starting a calendar day in the operator's time zone, as a timestamp. */
export function startOfDay(date: string, plusDays = 0): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The list request for `filters` (without the page). */
export function filtersToQuery(filters: LicenseFilters): LicenseQuery {
  const query: LicenseQuery = { sort: filters.sort, order: filters.order };
  if (filters.text) query.text = filters.text;
  if (filters.accountId) query.accountId = filters.accountId;
  if (filters.product) query.product = filters.product;
  if (filters.kind) query.kind = filters.kind;
  if (filters.internal) query.internal = filters.internal === "true";
  if (filters.status.length > 0) query.status = filters.status.join(",");
  if (filters.createdBy) query.createdBy = filters.createdBy;
  if (filters.createdFrom) query.createdFrom = startOfDay(filters.createdFrom);
  if (filters.createdTo) query.createdTo = startOfDay(filters.createdTo, 1);
  if (filters.endFrom) query.endFrom = startOfDay(filters.endFrom);
  if (filters.endTo) query.endTo = startOfDay(filters.endTo, 1);
  return query;
}

/** A link to the licenses table filtered by `filters` (the dashboard's and the account page's). */
export function licensesLink(filters: Partial<LicenseFilters>): string {
  const search = filtersToParams({ ...noFilters, ...filters }).toString();
  return search ? `/crm/licenses?${search}` : "/crm/licenses";
}

/** A calendar day (YYYY-MM-DD) in the operator's time zone, `plusDays` from `from`. */
export function localDay(from: Date = new Date(), plusDays = 0): string {
  const date = new Date(from.getFullYear(), from.getMonth(), from.getDate() + plusDays);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The filters the table's row does not show, behind "More filters": each with the members it sets
 * (a day range is one filter of two members).
 */
export const moreFilters = {
  createdBy: ["createdBy"],
  internal: ["internal"],
  created: ["createdFrom", "createdTo"],
  ends: ["endFrom", "endTo"],
} as const satisfies Record<string, readonly (keyof LicenseFilters)[]>;
export type MoreFilter = keyof typeof moreFilters;

/** The filters of the row: the ones an operator reaches for (and the dashboard's links set). */
const rowFilters = ["text", "accountId", "product", "status", "kind"] as const;

const isSet = (filters: LicenseFilters, key: keyof LicenseFilters) => {
  const value = filters[key];
  return Array.isArray(value) ? value.length > 0 : value !== noFilters[key];
};

/** The filters behind "More filters" that are set, in their order there. */
export function activeMoreFilters(filters: LicenseFilters): MoreFilter[] {
  return (Object.keys(moreFilters) as MoreFilter[]).filter((name) =>
    moreFilters[name].some((key) => isSet(filters, key)),
  );
}

/** What clearing one of the "More filters" changes. */
export function clearingOf(name: MoreFilter): Partial<LicenseFilters> {
  return Object.fromEntries(moreFilters[name].map((key) => [key, noFilters[key]]));
}

/** How many filters are set (sort aside; a day range counts once), for the "Clear filters" button. */
export function activeFilterCount(filters: LicenseFilters): number {
  return rowFilters.filter((key) => isSet(filters, key)).length + activeMoreFilters(filters).length;
}
