import { type Actor, type AuditChanges, newId, systemActor } from "@licensing/contracts";
import type { EntityManager } from "../database.ts";
import { type EntityRows, insertRowsTogether } from "../insert-rows.ts";
import { AuditLogEntity } from "./entity.ts";

/** One thing to record in the audit log: who did what to which entity, under which request. */
export interface AuditRecord {
  /** `<entity>.<past-tense>`, e.g. `account.created`. */
  action: string;
  entityType: string;
  entityId: string | null;
  /** Who did it; by default the context's actor, else the system. */
  actor?: Pick<Actor, "id" | "username"> | undefined;
  /** The request it was done under (none for work the service does on its own). */
  ctx?: { requestId?: string | null | undefined; actor?: Actor | undefined } | undefined;
  reason?: string | null | undefined;
  /** field → [before, after] */
  changes?: AuditChanges | undefined;
  /** When; now by default. */
  at?: Date;
}

/**
 * Writes audit entries in the transaction of `em`, so they commit with the change they describe (or
 * on their own, outside one: a refused sign-in changes nothing else). Entries are written unchained:
 * no writer waits for another; the chaining worker chains them once committed (chain.ts).
 */
export async function recordAudit(em: EntityManager, ...records: AuditRecord[]): Promise<void> {
  await insertRowsTogether(em, [auditRows(...records)]);
}

/** Audit entries as rows, for a write that inserts them with other rows in one statement (insertRowsTogether). */
export function auditRows(...records: AuditRecord[]): EntityRows {
  const now = new Date();
  return {
    entity: AuditLogEntity,
    rows: records.map((record) => {
      const actor = record.actor ?? record.ctx?.actor ?? systemActor;
      return {
        id: newId("audit"),
        at: record.at ?? now,
        actorId: actor.id,
        actorName: actor.username,
        action: record.action,
        entityType: record.entityType,
        entityId: record.entityId,
        requestId: record.ctx?.requestId ?? null,
        reason: record.reason ?? null,
        changes: record.changes ?? {},
        chainSeq: null,
        hash: null,
      };
    }),
  };
}

/** The fields that differ between two snapshots, as field → [before, after]. */
export function changesBetween<T extends Record<string, unknown>>(before: T, after: T): AuditChanges {
  const changes: AuditChanges = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = [before[key] ?? null, after[key] ?? null];
  }
  return changes;
}
