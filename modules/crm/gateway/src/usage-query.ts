import {
  type CockpitReportRow,
  checkUsageRange,
  cockpitReportResponse,
  cockpitReportRowSchema,
  usageReportResponse,
  usageReportRowSchema,
  usageReportSelection,
} from "@licensing/contracts";
import { z } from "zod";

// The distribution service's usage report as a query string carries it: numbers as text, the rest
// as the contract has it (`from` and `to` timestamps, `to` exclusive; `bucket` day, week or month).

/** `GET /api/usage/report`: the selection and a keyset page. */
export const usageReportQuery = checkUsageRange(
  usageReportSelection.extend({
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
  }),
);

/** `GET /api/usage/report.csv`: the same selection; the export pages through it all. */
export const usageExportQuery = checkUsageRange(usageReportSelection);
export type UsageExportQuery = z.output<typeof usageExportQuery>;

/** `GET /api/usage/cockpits`: the report's selection (no grouping by period) and a keyset page. */
export const cockpitReportQuery = checkUsageRange(
  usageReportSelection.omit({ bucket: true }).extend({
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
  }),
);

/** `GET /api/usage/cockpits.csv`: the same selection; the export pages through it all. */
export const cockpitExportQuery = checkUsageRange(usageReportSelection.omit({ bucket: true }));

/** A cockpit row with its account's name (null when the catalog could not say). */
export const namedCockpitRowSchema = cockpitReportRowSchema.extend({ accountName: z.string().nullable() });
export type NamedCockpitRow = CockpitReportRow & { accountName: string | null };

export const namedCockpitReportSchema = cockpitReportResponse.extend({
  items: z.array(namedCockpitRowSchema),
});

/** A report row with its account's name (null when the catalog could not say). */
export const namedUsageRowSchema = usageReportRowSchema.extend({ accountName: z.string().nullable() });

export const namedUsageReportSchema = usageReportResponse.extend({ items: z.array(namedUsageRowSchema) });

const usageSummaryDays = "The window: today (UTC) and the days before it, this many in all (1–366)";

/** `GET /api/usage/summary`: the distribution service's request, as a query string. */
export const usageSummaryQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(366).default(30).describe(usageSummaryDays),
});
