import { type Actor, newId, type RequestContext } from "@licensing/contracts";
import { type EntityManager, insertRows } from "@licensing/platform";
import { AuditEntryEntity } from "./entities.ts";

export interface AuditRecord {
  licenseId: string | null;
  action: string;
  actor: Actor;
  ctx: RequestContext;
  reason?: string | null;
  /** field → [before, after] */
  changes: Record<string, [unknown, unknown]>;
}

/** Writes audit entries in the transaction of `em`: they commit with the changes they describe. */
export async function recordAudit(em: EntityManager, ...records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const at = new Date();
  await insertRows(
    em,
    AuditEntryEntity,
    records.map((record) => ({
      id: newId("audit"),
      licenseId: record.licenseId,
      action: record.action,
      actorId: record.actor.id,
      actorName: record.actor.username,
      requestId: record.ctx.requestId,
      reason: record.reason ?? null,
      changes: record.changes,
      at,
    })),
  );
}

/** The fields that differ between two snapshots, as field → [before, after]. */
export function changesBetween<T extends Record<string, unknown>>(
  before: T,
  after: T,
): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = [before[key] ?? null, after[key] ?? null];
  }
  return changes;
}
