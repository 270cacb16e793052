import { pipeline, Readable } from "node:stream";
import {
  AppError,
  type AuditListRequest,
  type AuditLogEntry,
  audit,
  auditedServices,
  auditListRequest,
  auditLogEntrySchema,
} from "@licensing/contracts";
import { checkAuditWindow, encodeAuditCursor, listAudit, type Orm } from "@licensing/platform";
import { stringify } from "csv-stringify";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { GatewayModuleOptions } from "../module-api.ts";

/** The audit log's filters over HTTP: those of every service's log, and which service's. */
export const auditQuery = auditListRequest.extend({
  service: z.enum(auditedServices).optional(),
});

export const auditPage = z.object({
  items: z.array(auditLogEntrySchema),
  nextCursor: z.string().nullable(),
  /** Services that did not answer: their entries are missing from this page. */
  unavailable: z.array(z.enum(auditedServices)),
});

const exportQuery = auditQuery.omit({ cursor: true, limit: true });

/** The most rows one CSV export holds; narrow the filters for more. */
export const auditExportMax = 50_000;
const exportPage = 500;

const newestFirst = (a: AuditLogEntry, b: AuditLogEntry) =>
  a.at === b.at ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.at < b.at ? 1 : -1;

/**
 * Settings → Audit: every service's audit log merged, newest first. Each service answers a page
 * after the same (time, id) cursor; the merged page is the newest `limit` of them, so the next one
 * starts after its last entry. The gateway's own entries (users, sign-ins, modules) come from its
 * database. A service that does not answer is named in `unavailable`, not an error: the rest of the
 * log stays readable. Nothing here writes: the log is append-only for every role.
 */
export const auditRoutes: FastifyPluginAsyncZod<Pick<GatewayModuleOptions, "call"> & { orm: Orm }> = async (
  app,
  { call, orm },
) => {
  const tags = ["audit"];

  async function page(request: FastifyRequest, query: AuditListRequest & { service?: string | undefined }) {
    const { service, ...filters } = query;
    checkAuditWindow(filters);
    const sources = service ? [service] : auditedServices;
    const unavailable: (typeof auditedServices)[number][] = [];
    let more = false;
    const pages = await Promise.all(
      sources.map(async (name) => {
        try {
          const answer =
            name === "gateway"
              ? await listAudit(orm.em.fork(), "gateway", filters)
              : await call(request, audit[name as keyof typeof audit], filters);
          if (answer.nextCursor) more = true;
          return answer.items;
        } catch (error) {
          if (
            !(error instanceof AppError) ||
            !["service_unavailable", "request_timeout"].includes(error.code)
          )
            throw error;
          request.log.warn({ service: name, code: error.code }, "audit log: a service did not answer");
          unavailable.push(name as (typeof auditedServices)[number]);
          return [];
        }
      }),
    );
    const merged = pages.flat().sort(newestFirst);
    const items = merged.slice(0, filters.limit);
    const last = items.at(-1);
    const nextCursor = last && (more || merged.length > filters.limit) ? encodeAuditCursor(last) : null;
    return { items, nextCursor, unavailable: unavailable.sort() };
  }

  app.get(
    "/api/audit",
    {
      config: { access: "audit.read" },
      schema: {
        tags,
        summary: "The audit log of every service, newest first, filtered, a page at a time",
        description:
          "Filters: `actor` (a user id or username, `system`, `anonymous` for failed sign-ins), " +
          "`entityType` and `entityId`, `action` (exactly, or `account.*`), `from`/`to` (ISO times, " +
          "inclusive), `service`. `nextCursor` continues the list. `chainSeq` null means pending: not " +
          "chained yet. Services that did not answer are listed in `unavailable`. Read-only: no route " +
          "edits or deletes an entry.",
        querystring: auditQuery,
        response: { 200: auditPage },
      },
    },
    (request) => page(request, request.query),
  );

  app.get(
    "/api/audit.csv",
    {
      config: { access: "audit.read" },
      schema: {
        tags,
        summary: "The audit log of the selection, as CSV",
        description:
          `The same filters as \`GET /api/audit\`, without the page: up to ${auditExportMax} entries, newest ` +
          "first (UTF-8 with a byte order mark; one header row). `Audit-Unavailable` names services that " +
          `did not answer. A selection of more than ${auditExportMax} entries is cut there (the rows are ` +
          "streamed, so no header can say so): narrow the filters, e.g. `from`/`to`, to export the rest.",
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const query = request.query;
      // Read before anything is sent: a bad selection is still a proper error answer.
      const first = await page(request, { ...query, limit: exportPage });
      let truncated = false;
      async function* rows() {
        let current = first;
        let count = 0;
        for (;;) {
          for (const entry of current.items) {
            if (count++ >= auditExportMax) {
              truncated = true;
              return;
            }
            yield csvRow(entry);
          }
          if (!current.nextCursor) return;
          current = await page(request, { ...query, cursor: current.nextCursor, limit: exportPage });
        }
      }
      const csv = stringify({ header: true, columns: csvHeader, bom: true });
      pipeline(Readable.from(rows()), csv, (error) => {
        if (error && !reply.raw.destroyed)
          request.log.error({ err: error }, "audit export failed part-way; the download is cut short");
        else if (truncated) request.log.warn({ max: auditExportMax }, "audit export cut at its maximum");
      });
      if (first.unavailable.length > 0) reply.header("Audit-Unavailable", first.unavailable.join(","));
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(/[-:]/g, "").replace("T", "-");
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="audit-${stamp}.csv"`)
        .send(csv);
    },
  );
};

const csvHeader = [
  "Time",
  "Service",
  "Actor id",
  "Actor",
  "Action",
  "Entity type",
  "Entity id",
  "Request id",
  "Reason",
  "Changes",
  "Chain",
];

function csvRow(entry: AuditLogEntry): (string | number)[] {
  return [
    entry.at,
    entry.service,
    entry.actorId,
    entry.actorName,
    entry.action,
    entry.entityType,
    entry.entityId ?? "",
    entry.requestId ?? "",
    entry.reason ?? "",
    JSON.stringify(entry.changes),
    entry.chainSeq ?? "pending",
  ].map(spreadsheetSafe);
}

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading
 * apostrophe (OWASP's advice on CSV injection): usernames typed at sign-in land in this log.
 */
function spreadsheetSafe(value: string | number): string | number {
  return typeof value === "string" && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
