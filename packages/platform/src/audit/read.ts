import { AppError, type AuditListRequest, type AuditLogEntry } from "@licensing/contracts";
import type { EntityManager } from "../database.ts";
import { Params, query, tableName } from "../sql.ts";
import { type AuditRow, auditColumns } from "./chain.ts";

/** A page boundary of the audit log: the time and id of the last entry of a page, as an opaque string. */
export function encodeAuditCursor(entry: Pick<AuditLogEntry, "at" | "id">): string {
  return Buffer.from(`${entry.at}|${entry.id}`, "utf8").toString("base64url");
}

/** The time and id a cursor names; a cursor that is not one is a validation failure on `cursor`. */
export function decodeAuditCursor(cursor: string): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (rest.length > 0 || !at || !id || Number.isNaN(Date.parse(at)) || !/^[A-Za-z0-9_]{1,60}$/.test(id))
    throw new AppError("validation_failed", "cursor: not a cursor of the audit log", {
      issues: [{ path: "cursor", message: "not a cursor of the audit log" }],
    });
  return { at: new Date(at).toISOString(), id };
}

/** Refuses a time window that ends before it starts, naming the fields. */
export function checkAuditWindow(request: Pick<AuditListRequest, "from" | "to">): void {
  if (request.from && request.to && Date.parse(request.from) > Date.parse(request.to))
    throw new AppError("validation_failed", "to: must not be before from", {
      issues: [{ path: "to", message: "must not be before from" }],
    });
}

/** An audit row as the contracts show it. */
export function toAuditLogEntry(service: string, row: AuditRow): AuditLogEntry {
  return {
    id: row.id,
    service,
    at: new Date(row.at).toISOString(),
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    requestId: row.request_id,
    reason: row.reason,
    changes: (row.changes ?? {}) as AuditLogEntry["changes"],
    chainSeq: row.chain_seq === null ? null : Number(row.chain_seq),
  };
}

/**
 * A page of a service's audit log, newest first (time, then id), filtered as asked. The order and
 * the cursor are the same in every service, so the gateway merges pages of several into one.
 */
export async function listAudit(
  em: EntityManager,
  service: string,
  request: AuditListRequest,
): Promise<{ items: AuditLogEntry[]; nextCursor: string | null }> {
  checkAuditWindow(request);
  const params = new Params();
  const where: string[] = [];
  if (request.actor) {
    const actor = params.add(request.actor);
    where.push(`(actor_id = ${actor} or actor_name = ${actor})`);
  }
  if (request.entityType) where.push(`entity_type = ${params.add(request.entityType)}`);
  if (request.entityId) where.push(`entity_id = ${params.add(request.entityId)}`);
  if (request.action?.endsWith(".*"))
    where.push(`action like ${params.add(`${request.action.slice(0, -1)}%`)}`);
  else if (request.action) where.push(`action = ${params.add(request.action)}`);
  if (request.from) where.push(`at >= ${params.add(request.from)}::timestamptz`);
  if (request.to) where.push(`at <= ${params.add(request.to)}::timestamptz`);
  if (request.cursor) {
    const cursor = decodeAuditCursor(request.cursor);
    where.push(`(at, id) < (${params.add(cursor.at)}::timestamptz, ${params.add(cursor.id)})`);
  }
  const rows = await query<AuditRow>(
    em,
    `select ${auditColumns} from ${tableName(em, "audit_log")}
      ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
      order by at desc, id desc limit ${params.add(request.limit + 1)}`,
    params.values,
  );
  const items = rows.slice(0, request.limit).map((row) => toAuditLogEntry(service, row));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > request.limit && last ? encodeAuditCursor(last) : null };
}
