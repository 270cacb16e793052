import {
  type EventPayload,
  type EventType,
  newId,
  parseOrThrow,
  type RequestContext,
} from "@licensing/contracts";
import { defineEntity, p } from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";
import type { EntityManager, Orm } from "./database.ts";
import { type EntityRows, insertRowsTogether } from "./insert-rows.ts";
import { traceCarrier } from "./tracing.ts";

/**
 * An event waiting to be published. Written in the same transaction as the change it reports, so
 * the change and its event are stored together or not at all; the relay publishes it afterwards.
 */
export const OutboxMessage = defineEntity({
  name: "OutboxMessage",
  tableName: "outbox",
  properties: {
    id: p.text().primary(),
    /** The event type's name, e.g. `account.created`. */
    event: p.text(),
    /** The writer's schema version of the event (`<major>.<minor>`), stamped by whoever publishes it. */
    version: p.text().default("1.0"),
    payload: p.json<unknown>(),
    requestId: p.text().nullable(),
    actorId: p.text().nullable(),
    /** The trace context (`traceparent`, `tracestate`) of the request that recorded it, when traced. */
    traceContext: p.json<Record<string, string>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** Set by the relays of earlier releases, which kept published rows a week; today's deletes them. */
    publishedAt: p.datetime().nullable(),
  },
  // What the relay still has to publish, found without reading the published history.
  indexes: [{ name: "outbox_unpublished", properties: ["id"], where: "published_at is null" }],
});

/** An event a consumer has handled, so a redelivery is recognised and skipped. */
export const ProcessedEvent = defineEntity({
  name: "ProcessedEvent",
  tableName: "processed_events",
  properties: {
    consumer: p.text().primary(),
    eventId: p.text().primary(),
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

/**
 * Each outbox row keeps the schema version its writer recorded the event under: in a rolling upgrade
 * the relay of one release publishes rows another wrote. Rows from before say nothing: `1.0`.
 * Every service lists this migration after its own history.
 */
export class EventVersionMigration extends Migration {
  override name = "platform_event_version";

  override up(): void {
    this.addSql(`alter table "outbox" add column "version" text not null default '1.0'`);
  }
}

/**
 * Each outbox row keeps the trace context of the request that recorded it, so the consumers'
 * handling continues that trace (issue 15). Every service lists this migration after its own history.
 */
export class EventTraceMigration extends Migration {
  override name = "platform_event_trace";

  override up(): void {
    this.addSql(`alter table "outbox" add column "trace_context" jsonb null`);
  }
}

/**
 * Outbox rows keep their payload in the row, uncompressed, up to a page: an event is read once and
 * deleted moments after it is written, so compressing it and moving it to the TOAST table (done past
 * 2 kB by default, and a signed license is larger) cost more than they save: with the relay deleting
 * rows, about 600 of the 9,600 bytes of WAL a license issued writes (issue 20). Every service lists
 * this migration after its own history.
 */
export class EventInlineMigration extends Migration {
  override name = "platform_event_inline";

  override up(): void {
    this.addSql(`alter table "outbox" set (toast_tuple_target = 8160)`);
  }
}

export const eventEntities = [OutboxMessage, ProcessedEvent];
export const eventTablesMigration = { name: "0000_event_tables", class: EventTablesMigration };
export const eventVersionMigration = { name: "platform_event_version", class: EventVersionMigration };
export const eventTraceMigration = { name: "platform_event_trace", class: EventTraceMigration };
export const eventInlineMigration = { name: "platform_event_inline", class: EventInlineMigration };

/** An event as its outbox row holds it: what a relay publishes. */
export interface OutboxEvent {
  id: string;
  /** The event type's name. */
  event: string;
  version: string;
  payload: unknown;
  requestId: string | null;
  traceContext: Record<string, string> | null;
}

/** Takes events that just committed, to publish them. */
export type CommittedEventsTaker = (events: OutboxEvent[]) => void;

// The events each transaction recorded, handed over when it commits; and the relays that take them,
// by the event manager of the ORM they publish from (which its forks share).
const eventsOfTransactions = new WeakMap<object, OutboxEvent[]>();
const takersOf = new WeakMap<object, Set<CommittedEventsTaker>>();

/**
 * Hands `take` the events that commit through `orm` as they commit: those a transaction recorded,
 * at its commit, and those written on their own (insertRowsTogether given no transaction), once
 * their statement has committed. One taker has them (the first registered). Events recorded in a
 * nested transaction (a savepoint) are not handed over: the relay's next poll finds them. Returns
 * a function that stops handing events to `take`.
 */
export function onEventsCommitted(orm: Orm, take: CommittedEventsTaker): () => void {
  const events = orm.em.getEventManager();
  let takers = takersOf.get(events);
  if (!takers) {
    const registered = new Set<CommittedEventsTaker>();
    events.registerSubscriber({
      afterTransactionCommit: ({ transaction }) => {
        const recorded = transaction ? eventsOfTransactions.get(transaction as object) : undefined;
        if (recorded) handOver(registered, recorded);
      },
    });
    takersOf.set(events, registered);
    takers = registered;
  }
  takers.add(take);
  return () => takers.delete(take);
}

function handOver(takers: Set<CommittedEventsTaker>, events: OutboxEvent[]): void {
  const [take] = takers;
  take?.(events);
}

/** A savepoint's transaction context (MikroORM names it): its commit is not the transaction's. */
function isSavepoint(transaction: object): boolean {
  return "savepointName" in transaction;
}

/** One event to record: its type, its payload, and the request that caused it. */
export interface EventRecord<E extends EventType = EventType> {
  type: E;
  payload: EventPayload<E>;
  ctx?: RequestContext | undefined;
  /**
   * The trace context of the request that caused it (traceCarrier() in that request), for an event
   * recorded outside it, e.g. by a group commit writing many requests' changes; by default the
   * context active when it is recorded.
   */
  traceContext?: Record<string, string> | null | undefined;
}

/**
 * Records an event in the outbox, inside the transaction `em` belongs to (call it within
 * `em.transactional`): the change and its event commit together or not at all.
 */
export async function recordEvent<E extends EventType>(
  em: EntityManager,
  type: E,
  payload: EventPayload<E>,
  ctx?: RequestContext,
): Promise<string> {
  const [id] = await recordEvents(em, [{ type, payload, ctx }]);
  return id!;
}

/** Records many events in one statement (see recordEvent). */
export async function recordEvents(em: EntityManager, events: EventRecord[]): Promise<string[]> {
  if (events.length === 0) return [];
  if (!em.getTransactionContext())
    throw new Error("recordEvent must be called inside a transaction (em.transactional)");
  const rows = eventRows(em, events);
  await insertRowsTogether(em, [rows]);
  return rows.ids;
}

/**
 * Events as outbox rows, for a write that inserts them with the change they report in one call of
 * insertRowsTogether: inside the transaction `em` belongs to, they are handed to the relay when it
 * commits; given none, once insertRowsTogether has committed them with the rest.
 */
export function eventRows(em: EntityManager, events: EventRecord[]): EntityRows & { ids: string[] } {
  const now = new Date();
  const active = traceCarrier();
  const rows = events.map(({ type, payload, ctx, traceContext }) => ({
    id: newId("event"),
    event: type.name,
    version: type.version,
    payload: parseOrThrow(type.payload, payload, `${type.name} event`),
    requestId: ctx?.requestId ?? null,
    actorId: ctx?.actor?.id ?? null,
    traceContext: traceContext === undefined ? active : traceContext,
    createdAt: now,
    publishedAt: null,
  }));
  // Only once their statement succeeded: rows that were never written have nothing to publish.
  const written = (transaction: object | undefined) => {
    if (rows.length === 0) return;
    if (!transaction) {
      const takers = takersOf.get(em.getEventManager());
      if (takers) handOver(takers, rows);
    } else if (!isSavepoint(transaction)) {
      const recorded = eventsOfTransactions.get(transaction);
      if (recorded) recorded.push(...rows);
      else eventsOfTransactions.set(transaction, [...rows]);
    }
  };
  return { entity: OutboxMessage, rows, ids: rows.map((row) => row.id), written };
}
