import { pipeline, Readable } from "node:stream";
import { catalog, distribution, type UsageReportPage, type UsageReportRow } from "@licensing/contracts";
import type { GatewayModuleOptions, GatewayModulePlugin } from "@licensing/gateway/module";
import { stringify } from "csv-stringify";
import type { FastifyRequest } from "fastify";
import { AccountNames } from "./account-names.ts";
import { spreadsheetSafe } from "./license-export.ts";
import { type UsageExportQuery, usageExportQuery } from "./usage-query.ts";

/** Rows per distribution request: the largest page the report allows. */
export const usageExportPageSize = 1_000;

interface Names {
  accounts: AccountNames;
  products: Map<string, string>;
}

/** The export's columns, in order; the period only when the report is grouped by one. */
function columnsFor(query: UsageExportQuery) {
  const columns: { header: string; value: (row: UsageReportRow, names: Names) => string | number }[] = [
    { header: "Account id", value: (r) => r.accountId },
    { header: "Account", value: (r, n) => n.accounts.name(r.accountId) ?? "" },
    { header: "Product", value: (r) => r.product },
    { header: "Product name", value: (r, n) => n.products.get(r.product) ?? "" },
    { header: "Units consumed", value: (r) => r.unitsConsumed },
    { header: "Executions", value: (r) => r.executions },
    { header: "Active machines", value: (r) => r.activeMachines },
  ];
  if (query.bucket) columns.unshift({ header: `Period (UTC ${query.bucket})`, value: (r) => r.period ?? "" });
  return columns;
}

/** Pages through the report with its cursor, as fast as the reader takes the rows. */
async function* reportRows(
  call: GatewayModuleOptions["call"],
  request: FastifyRequest,
  query: UsageExportQuery,
  first: UsageReportPage,
  names: Names,
) {
  const columns = columnsFor(query);
  let page = first;
  for (;;) {
    await names.accounts.load(page.items.map((row) => row.accountId));
    for (const row of page.items) yield columns.map((c) => spreadsheetSafe(c.value(row, names)));
    if (!page.nextCursor) return;
    page = await call(request, distribution.usageReport, {
      ...query,
      cursor: page.nextCursor,
      limit: usageExportPageSize,
    });
  }
}

/** The catalog's product names; codes alone if the catalog cannot answer (the figures still go out). */
async function productNames(call: GatewayModuleOptions["call"], request: FastifyRequest) {
  try {
    const { items } = await call(request, catalog.listProducts, {});
    return new Map(items.map((product) => [product.code, product.name]));
  } catch (error) {
    request.log.warn({ err: error }, "usage export without product names: the catalog did not answer");
    return new Map<string, string>();
  }
}

/** `GET /api/usage/report.csv`: the selected report as CSV, streamed as it is read. */
export const usageExportRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/usage/report.csv",
    {
      config: { access: "usage.read" },
      schema: {
        tags: ["usage"],
        summary: "The usage report of the selection, as CSV (streamed)",
        description:
          "The same selection as `GET /api/usage/report`, without the page: every row, with account and " +
          "product names (UTF-8 with a byte order mark; one header row; a period column when grouped). " +
          "An error before the first row is an ordinary error answer; one later cuts the download short.",
        querystring: usageExportQuery,
      },
    },
    async (request, reply) => {
      const query = request.query;
      // Read before anything is sent: a bad selection or a missing service is still a proper error.
      const first = await call(request, distribution.usageReport, { ...query, limit: usageExportPageSize });
      const names: Names = {
        accounts: new AccountNames(call, request),
        products: await productNames(call, request),
      };
      const rows = Readable.from(reportRows(call, request, query, first, names));
      const csv = stringify({ header: true, columns: columnsFor(query).map((c) => c.header), bom: true });
      pipeline(rows, csv, (error) => {
        if (error && !reply.raw.destroyed)
          request.log.error({ err: error }, "usage export failed part-way; the download is cut short");
      });
      // The first and the last day of the range (UTC; `to` is exclusive), e.g. usage-20260301-20260331.csv.
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll("-", "");
      const name = `usage-${day(Date.parse(query.from))}-${day(Date.parse(query.to) - 1)}`;
      return reply
        .type("text/csv; charset=utf-8")
        .header(
          "Content-Disposition",
          `attachment; filename="${name}${query.bucket ? `-by-${query.bucket}` : ""}.csv"`,
        )
        .send(csv);
    },
  );
};
