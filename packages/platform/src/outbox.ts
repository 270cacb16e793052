import {
  type EventPayload,
  type EventType,
  newId,
  parseOrThrow,
  type RequestContext,
} from "@licensing/contracts";
import { defineEntity, type EntityManager, p } from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";

/**
 * An event waiting to be published. Written in the same transaction as the change it reports, so
 * the change and its event are stored together or not at all; the relay publishes it afterwards.
 */
export const OutboxMessage = defineEntity({
  name: "OutboxMessage",
  tableName: "outbox",
  properties: {
    id: p.string().primary(),
    /** The event type's name, e.g. `account.created`. */
    event: p.string(),
    payload: p.json<unknown>(),
    requestId: p.string().nullable(),
    actorId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    publishedAt: p.datetime().nullable(),
  },
});

/** An event a consumer has handled, so a redelivery is recognised and skipped. */
export const ProcessedEvent = defineEntity({
  name: "ProcessedEvent",
  tableName: "processed_events",
  properties: {
    consumer: p.string().primary(),
    eventId: p.string().primary(),
    processedAt: p.datetime().onCreate(() => new Date()),
  },
});

/** The tables of the outbox and of consumer deduplication; every service lists this migration first. */
export class EventTablesMigration extends Migration {
  override name = "0000_event_tables";

  override up(): void {
    this.addSql(`create table "outbox" (
      "id" text primary key,
      "event" text not null,
      "payload" jsonb not null,
      "request_id" text null,
      "actor_id" text null,
      "created_at" timestamptz not null,
      "published_at" timestamptz null)`);
    this.addSql(`create index "outbox_unpublished" on "outbox" ("id") where "published_at" is null`);
    this.addSql(`create table "processed_events" (
      "consumer" text not null,
      "event_id" text not null,
      "processed_at" timestamptz not null,
      primary key ("consumer", "event_id"))`);
  }
}

export const eventEntities = [OutboxMessage, ProcessedEvent];
export const eventTablesMigration = { name: "0000_event_tables", class: EventTablesMigration };

/**
 * Records an event in the outbox of the unit of work `em` belongs to. It is stored when `em` flushes,
 * in the same transaction as the change; call it inside `em.transactional`.
 */
export function recordEvent<E extends EventType>(
  em: EntityManager,
  type: E,
  payload: EventPayload<E>,
  ctx?: RequestContext,
): string {
  const id = newId("event");
  em.create(OutboxMessage, {
    id,
    event: type.name,
    payload: parseOrThrow(type.payload, payload, `${type.name} event`),
    requestId: ctx?.requestId ?? null,
    actorId: ctx?.actor?.id ?? null,
  });
  return id;
}
