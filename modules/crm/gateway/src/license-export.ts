import { pipeline, Readable } from "node:stream";
import { issuer, type LicenseSummary } from "@licensing/contracts";
import type { GatewayModuleOptions, GatewayModulePlugin } from "@licensing/gateway/module";
import { stringify } from "csv-stringify";
import type { FastifyRequest } from "fastify";
import { type LicenseExportQuery, licenseExportQuery } from "./license-query.ts";

/** Rows per issuer request: the largest page the list allows. */
export const exportPageSize = 1_000;

/** The export's columns, in order: every field of the table, plus the ids a spreadsheet joins on. */
const columns: { header: string; value: (license: LicenseSummary) => string | number | boolean }[] = [
  { header: "License id", value: (l) => l.id },
  { header: "Key (last group)", value: (l) => l.keyHint },
  { header: "Account id", value: (l) => l.accountId },
  { header: "Account", value: (l) => l.accountName },
  { header: "Kind", value: (l) => l.kind },
  { header: "Internal", value: (l) => l.internal },
  { header: "Products", value: (l) => l.products.join(" ") },
  { header: "Status", value: (l) => l.status },
  { header: "Start", value: (l) => l.startDate },
  { header: "End", value: (l) => l.endDate ?? "" },
  { header: "Notice days", value: (l) => l.notifyDays ?? "" },
  { header: "Activations", value: (l) => l.availableActivations },
  { header: "Seats", value: (l) => l.seats },
  { header: "Serial", value: (l) => l.serial },
  { header: "Created by", value: (l) => l.createdByName },
  { header: "Created", value: (l) => l.createdAt },
  { header: "Updated", value: (l) => l.updatedAt },
];

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading
 * apostrophe (OWASP's advice on CSV injection): account names come from outside, via CRM imports.
 */
export function spreadsheetSafe(value: string | number | boolean): string | number | boolean {
  return typeof value === "string" && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Pages through the issuer's list with its keyset cursor, one page at a time and only as fast as the
 * reader takes them: a million rows in the memory of one page.
 */
async function* licensePages(
  call: GatewayModuleOptions["call"],
  request: FastifyRequest,
  query: LicenseExportQuery,
  first: { items: LicenseSummary[]; nextCursor: string | null },
) {
  let page = first;
  for (;;) {
    for (const license of page.items) yield columns.map((c) => spreadsheetSafe(c.value(license)));
    if (!page.nextCursor) return;
    page = await call(request, issuer.listLicenses, {
      ...query,
      cursor: page.nextCursor,
      limit: exportPageSize,
    });
  }
}

/** `GET /api/licenses/export.csv`: the filtered, sorted set as CSV, streamed as it is read. */
export const licenseExportRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/licenses/export.csv",
    {
      config: { access: "license.export" },
      schema: {
        tags: ["licenses"],
        summary: "Every license matching the filters, as CSV (streamed)",
        description:
          "The same filters and sort as `GET /api/licenses`, without the page: the gateway pages through " +
          "the whole set and streams it as it goes (UTF-8 with a byte order mark, so spreadsheets read " +
          "accents right; one header row). An error before the first row is an ordinary error answer; " +
          "one later cuts the download short.",
        querystring: licenseExportQuery,
      },
    },
    async (request, reply) => {
      const query = request.query;
      // The first page is read before anything is sent, so a bad filter or a missing service is
      // still a proper error answer rather than a broken download.
      const first = await call(request, issuer.listLicenses, { ...query, limit: exportPageSize });
      const rows = Readable.from(licensePages(call, request, query, first));
      const csv = stringify({
        header: true,
        columns: columns.map((c) => c.header),
        bom: true,
        // csv-stringify writes false as an empty cell by default; a spreadsheet filter wants the word.
        cast: { boolean: (value) => String(value) },
      });
      // pipeline: backpressure from the socket back to the paging, and a reader who goes away (or a
      // failed page) ends both streams, so no further page is asked for.
      pipeline(rows, csv, (error) => {
        if (error && !reply.raw.destroyed)
          request.log.error({ err: error }, "license export failed part-way; the download is cut short");
      });
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "").replace("T", "-");
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="licenses-${stamp}.csv"`)
        .send(csv);
    },
  );
};
