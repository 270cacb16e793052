import { pipeline, Readable } from "node:stream";
import {
  type CockpitReportRow,
  catalog,
  delegation,
  distribution,
  type UsageReportRow,
} from "@licensing/contracts";
import type { GatewayModuleOptions, GatewayModulePlugin } from "@licensing/gateway/module";
import { stringify } from "csv-stringify";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AccountNames } from "./account-names.ts";
import { spreadsheetSafe } from "./license-export.ts";
import { cockpitExportQuery, type UsageExportQuery, usageExportQuery } from "./usage-query.ts";

/** Rows per distribution request: the largest page the reports allow. */
export const usageExportPageSize = 1_000;

interface Names {
  accounts: AccountNames;
  products: Map<string, string>;
}

interface Column<Row> {
  header: string;
  value: (row: Row, names: Names) => string | number;
}

interface Page<Row> {
  items: Row[];
  nextCursor: string | null;
}

/** The account and product columns every usage export starts with. */
const accountAndProduct: Column<{ accountId: string; product: string }>[] = [
  { header: "Account id", value: (r) => r.accountId },
  { header: "Account", value: (r, n) => n.accounts.name(r.accountId) ?? "" },
  { header: "Product", value: (r) => r.product },
  { header: "Product name", value: (r, n) => n.products.get(r.product) ?? "" },
];

/** The usage report's columns, in order; the period only when the report is grouped by one. */
function usageColumns(query: UsageExportQuery): Column<UsageReportRow>[] {
  return [
    ...(query.bucket
      ? [{ header: `Period (UTC ${query.bucket})`, value: (r: UsageReportRow) => r.period ?? "" }]
      : []),
    ...accountAndProduct,
    { header: "Units consumed", value: (r) => r.unitsConsumed },
    { header: "Executions", value: (r) => r.executions },
    { header: "Active machines", value: (r) => r.activeMachines },
  ];
}

const cockpitColumns: Column<CockpitReportRow>[] = [
  { header: "License id", value: (r) => r.licenseId },
  ...accountAndProduct,
  { header: "Certificate expires", value: (r) => r.certificateExpiresAt ?? "" },
  { header: "Certificate revoked", value: (r) => r.certificateRevokedAt ?? "" },
  { header: "Seats in use", value: (r) => r.seatsInUse },
  { header: "Collectors", value: (r) => r.collectors },
  { header: "Receipts", value: (r) => r.receipts },
  { header: "Units", value: (r) => r.units },
  { header: "Anomalies", value: (r) => r.anomalies },
];

/** Pages through a report with its cursor, as fast as the reader takes the rows. */
async function* csvRows<Row extends { accountId: string }>(
  columns: Column<Row>[],
  first: Page<Row>,
  next: (cursor: string) => Promise<Page<Row>>,
  names: Names,
) {
  let page = first;
  for (;;) {
    await names.accounts.load(page.items.map((row) => row.accountId));
    for (const row of page.items) yield columns.map((c) => spreadsheetSafe(c.value(row, names)));
    if (!page.nextCursor) return;
    page = await next(page.nextCursor);
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

/** The first and the last day of a range (UTC; `to` is exclusive), e.g. 20260301-20260331. */
function rangeName(query: { from: string; to: string }): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll("-", "");
  return `${day(Date.parse(query.from))}-${day(Date.parse(query.to) - 1)}`;
}

/**
 * Streams a report as CSV: `first` page read before anything is sent (a bad selection or a missing
 * service is still a proper error), the next pages as the reader takes the rows.
 */
async function sendCsv<Row extends { accountId: string }>(
  call: GatewayModuleOptions["call"],
  request: FastifyRequest,
  reply: FastifyReply,
  report: {
    columns: Column<Row>[];
    first: Page<Row>;
    next: (cursor: string) => Promise<Page<Row>>;
    file: string;
  },
) {
  const names: Names = {
    accounts: new AccountNames(call, request),
    products: await productNames(call, request),
  };
  const rows = Readable.from(csvRows(report.columns, report.first, report.next, names));
  const csv = stringify({ header: true, columns: report.columns.map((c) => c.header), bom: true });
  pipeline(rows, csv, (error) => {
    if (error && !reply.raw.destroyed)
      request.log.error({ err: error }, "usage export failed part-way; the download is cut short");
  });
  return reply
    .type("text/csv; charset=utf-8")
    .header("Content-Disposition", `attachment; filename="${report.file}.csv"`)
    .send(csv);
}

const streamed =
  "UTF-8 with a byte order mark; one header row. An error before the first row is an ordinary error " +
  "answer; one later cuts the download short.";

/** `GET /api/usage/report.csv` and `GET /api/usage/cockpits.csv`: the selection, streamed as read. */
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
          `product names, and a period column when grouped. ${streamed}`,
        querystring: usageExportQuery,
      },
    },
    async (request, reply) => {
      const query = request.query;
      const page = (cursor?: string) =>
        call(request, distribution.usageReport, { ...query, cursor, limit: usageExportPageSize });
      return sendCsv(call, request, reply, {
        columns: usageColumns(query),
        first: await page(),
        next: page,
        file: `usage-${rangeName(query)}${query.bucket ? `-by-${query.bucket}` : ""}`,
      });
    },
  );

  app.get(
    "/usage/cockpits.csv",
    {
      config: { access: "usage.read" },
      schema: {
        tags: ["usage"],
        summary: "The usage report's cockpit section of the selection, as CSV (streamed)",
        description:
          "The same selection as `GET /api/usage/cockpits`, without the page: every cockpit license, with " +
          `account and product names. ${streamed}`,
        querystring: cockpitExportQuery,
      },
    },
    async (request, reply) => {
      const query = request.query;
      const page = (cursor?: string) =>
        call(request, delegation.report, { ...query, cursor, limit: usageExportPageSize });
      return sendCsv(call, request, reply, {
        columns: cockpitColumns,
        first: await page(),
        next: page,
        file: `cockpits-${rangeName(query)}`,
      });
    },
  );
};
