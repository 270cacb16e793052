import { licenseStatusSchema, listLicensesRequest, pageRequest } from "@licensing/contracts";
import { z } from "zod";

// The issuer's list filters as a query string carries them: text everywhere, so the boolean is
// `internal=true|false` and the statuses are repeated (`status=active&status=expiring`) or
// comma-separated (`status=active,expiring`), whichever a client finds easier.
const statusList = z.preprocess(
  (value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((item) => (typeof item === "string" ? item.split(",") : [item]))
      .filter((item) => item !== ""),
  z.array(licenseStatusSchema).max(5),
);

/**
 * `GET /api/licenses`: every filter, the sort and the keyset page of the issuer's list. Pages of up
 * to 500 here (a screen never shows more); the bus allows 1,000 for the CSV export, which pages
 * through the issuer itself.
 */
export const licenseListQuery = listLicensesRequest.extend({
  internal: z.stringbool().optional(),
  status: statusList.optional(),
  limit: pageRequest.limit,
});

/** `GET /api/licenses/export.csv`: the same filters and sort; the export pages through it all. */
export const licenseExportQuery = licenseListQuery.omit({ cursor: true, limit: true });
export type LicenseExportQuery = z.output<typeof licenseExportQuery>;

/** `GET /api/licenses/count`: the filters alone (a count has no sort and no page). */
export const licenseCountQuery = licenseListQuery.omit({
  cursor: true,
  limit: true,
  sort: true,
  order: true,
});
