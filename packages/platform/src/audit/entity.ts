import type { AuditChanges } from "@licensing/contracts";
import { defineEntity, p } from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";

/**
 * One entry of a service's audit log (docs/architecture.md, "Audit log"). Every service keeps the
 * same table in its own schema. Writers insert entries unchained; the chaining worker gives each
 * committed entry its place (`chainSeq`) and `hash` = SHA-256(previous hash, the entry), so an edit,
 * a deletion or a reordering shows (chain.ts). Neither is ever written by anything else.
 */
export const AuditLogEntity = defineEntity({
  name: "AuditLogEntry",
  tableName: "audit_log",
  properties: {
    id: p.text().primary(),
    at: p.datetime(),
    actorId: p.text(),
    actorName: p.text(),
    action: p.text(),
    entityType: p.text(),
    entityId: p.text().nullable(),
    requestId: p.text().nullable(),
    reason: p.text().nullable(),
    changes: p.json<AuditChanges>(),
    chainSeq: p.bigint("number").columnType("bigint").nullable(),
    hash: p.text().nullable(),
  },
  uniques: [{ name: "audit_log_chain_seq_unique", properties: ["chainSeq"] }],
  indexes: [
    { name: "audit_log_by_time", properties: ["at", "id"] },
    { name: "audit_log_by_entity", properties: ["entityType", "entityId", "at"] },
    { name: "audit_log_by_actor", properties: ["actorId", "at"] },
    // What the chaining worker still has to chain, found without reading the chained history.
    { name: "audit_log_unchained", properties: ["at", "id"], where: "chain_seq is null" },
  ],
});

/**
 * The audit log's table, and its guard: a trigger refuses every UPDATE and DELETE (and TRUNCATE),
 * but for the chaining worker setting an unchained entry's chain fields once. Defence in depth: no
 * route or endpoint edits the log in the first place; the chain shows what the trigger cannot stop (a
 * superuser disabling it). Every service lists this migration after its own history.
 */
export class AuditLogMigration extends Migration {
  override name = "platform_audit_log";

  override up(): void {
    this.addSql(`create table "audit_log" (
      "id" text not null,
      "at" timestamptz not null,
      "actor_id" text not null,
      "actor_name" text not null,
      "action" text not null,
      "entity_type" text not null,
      "entity_id" text null,
      "request_id" text null,
      "reason" text null,
      "changes" jsonb not null,
      "chain_seq" bigint null,
      "hash" text null,
      constraint "audit_log_pkey" primary key ("id"))`);
    this.addSql(`alter table "audit_log" add constraint "audit_log_chain_seq_unique" unique ("chain_seq")`);
    this.addSql(`create index "audit_log_by_time" on "audit_log" ("at", "id")`);
    this.addSql(`create index "audit_log_by_entity" on "audit_log" ("entity_type", "entity_id", "at")`);
    this.addSql(`create index "audit_log_by_actor" on "audit_log" ("actor_id", "at")`);
    this.addSql(`create index "audit_log_unchained" on "audit_log" ("at", "id") where "chain_seq" is null`);
    this.addSql(`create function "audit_log_guard"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and old.chain_seq is null and old.hash is null
           and (new.id, new.at, new.actor_id, new.actor_name, new.action, new.entity_type, new.entity_id,
                new.request_id, new.reason, new.changes)
           is not distinct from
               (old.id, old.at, old.actor_id, old.actor_name, old.action, old.entity_type, old.entity_id,
                old.request_id, old.reason, old.changes) then
          return new;
        end if;
        raise exception 'the audit log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
      end $$`);
    this.addSql(`create trigger "audit_log_append_only" before update or delete on "audit_log"
      for each row execute function "audit_log_guard"()`);
    this.addSql(`create trigger "audit_log_no_truncate" before truncate on "audit_log"
      for each statement execute function "audit_log_guard"()`);
  }
}

export const auditLogMigration = { name: "platform_audit_log", class: AuditLogMigration };
