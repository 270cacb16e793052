import { BodyStore } from "@licensing/bus";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Orm } from "./database.ts";
import { envelopeHeaders } from "./event-envelope.ts";
import { type OutboxEvent, onEventsCommitted } from "./outbox.ts";
import { PollingWorker } from "./polling-worker.ts";
import { query, tableName } from "./sql.ts";
import { platformTracer } from "./tracing.ts";
import { type Backlog, watchOutbox } from "./work-metrics.ts";

export interface OutboxRelayOptions {
  orm: Orm;
  nc: NatsConnection;
  prefix: string;
  log: Logger;
  /** How often to look for events the relay was not handed at their commit. */
  pollMs?: number;
  batchSize?: number;
  /** Test seam: runs after publishing a batch and before deleting its rows. */
  beforeDelete?: (eventIds: string[]) => Promise<void>;
}

/** An event to publish, its payload as JSON text. */
interface Publishable {
  id: string;
  event: string;
  version: string;
  payload: Buffer;
  requestId: string | null;
  traceContext: Record<string, string> | null;
}

/** How many batches of events handed over at commit may wait in memory; past them, the poll has them. */
const batchesHeldAtMost = 10;

/**
 * Publishes outbox rows to JetStream with `Nats-Msg-Id` = the outbox id, then deletes them: once the
 * stream has an event, the change it reports is in the database and the event in the stream, so the
 * row has nothing left to do (deleting costs PostgreSQL less than marking it and deleting it later).
 *
 * Events that commit through this process's ORM are handed to the relay as they commit, and
 * published from memory in the order they committed, each batch followed by one statement deleting
 * its rows: no transaction, and no reading back what was just written (issue 20). Anything else — a
 * row a process left when it died, one whose publishing failed, one recorded in a savepoint — is
 * found by polling, in batches claimed with `FOR UPDATE SKIP LOCKED` so that replicas share them;
 * the poll leaves alone the events this relay holds. Once events were left to the poll (a failed
 * publish, too many held), those that commit next wait until it has caught up, so that a process's
 * events keep their order. If the relay dies between publishing and deleting, the next poll
 * publishes them again, and JetStream's duplicate window (and the consumers' own deduplication) makes
 * the repeat harmless: every event arrives, and arrives once. A replica's poll may take events
 * another replica is publishing from memory: the same harmless repeat.
 */
export class OutboxRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, "beforeDelete">> &
    Pick<OutboxRelayOptions, "beforeDelete">;
  readonly #js: JetStreamClient;
  readonly #bodies: BodyStore;
  readonly #loop: PollingWorker;
  #lastCleanup = 0;
  #unwatch: (() => void) | undefined;
  #stopTaking: (() => void) | undefined;
  /** Events handed over at commit and not yet published. */
  #committed: OutboxEvent[] = [];
  /** The ids of those and of the batch being published from memory: the poll leaves them alone. */
  readonly #held = new Set<string>();
  #publishing: Promise<void> | undefined;
  /**
   * Set once events were left to the poll (a publish failed, or too many waited): until the poll has
   * caught up, the events that commit wait in memory, so that none overtakes an older one.
   */
  #pollFirst = false;
  /** How many times events were left to the poll: a poll that began before the last has not caught up. */
  #leftToPoll = 0;

  constructor(options: OutboxRelayOptions) {
    this.#options = { pollMs: 1_000, batchSize: 200, ...options };
    this.#js = jetstream(options.nc);
    this.#bodies = new BodyStore(options.nc, options.prefix, "events");
    this.#loop = new PollingWorker({
      what: "publish outbox events",
      log: options.log,
      pollMs: this.#options.pollMs,
      batchSize: this.#options.batchSize,
      batch: async () => {
        const left = this.#leftToPoll;
        const published = await this.publishBatch();
        if (published < this.#options.batchSize && this.#pollFirst && left === this.#leftToPoll) {
          // Caught up: what waited in memory meanwhile is newer than anything the poll published.
          this.#pollFirst = false;
          this.#publishing ??= this.#publishCommitted();
        }
        await this.#cleanup();
        return published;
      },
    });
  }

  start(): void {
    this.#loop.start();
    this.#stopTaking ??= onEventsCommitted(this.#options.orm, (events) => this.#take(events));
    const schema = this.#options.orm.config.get("schema") ?? "public";
    this.#unwatch ??= watchOutbox(schema, () => this.backlog(), this.#options.log);
  }

  /** Poll now rather than at the next poll. */
  nudge(): void {
    this.#loop.nudge();
  }

  async stop(): Promise<void> {
    this.#stopTaking?.();
    this.#stopTaking = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
    // The poll first: once it has stopped, nothing starts publishing from memory again.
    await this.#loop.stop();
    await this.#publishing;
  }

  /** The rows not yet published and the age of the oldest (`/metrics`, on each scrape). */
  async backlog(): Promise<Backlog> {
    const em = this.#options.orm.em.fork();
    const [row] = await query<{ backlog: string; age: number | null }>(
      em,
      `select count(*) as backlog, extract(epoch from now() - min(created_at))::float8 as age
       from ${tableName(em, "outbox")} where published_at is null`,
    );
    return { waiting: Number(row?.backlog ?? 0), oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
  }

  /** Publishes one batch of the rows it was not handed; returns how many events it published. */
  async publishBatch(): Promise<number> {
    const { orm, batchSize, beforeDelete } = this.#options;
    return orm.em.fork().transactional(async (em) => {
      const outbox = tableName(em, "outbox");
      const rows = await query<{
        id: string;
        event: string;
        version: string;
        payload: string;
        request_id: string | null;
        trace_context: Record<string, string> | null;
      }>(
        em,
        // The payload as PostgreSQL writes it out: parsing it here only to encode it again cost the
        // relay as much as a license's event was large (issue 20).
        `select id, event, version, payload::text as payload, request_id, trace_context from ${outbox}
         where published_at is null and id <> all($2) order by id limit $1 for update skip locked`,
        [batchSize, [...this.#held]],
      );
      if (rows.length === 0) return 0;
      await this.#publish(
        rows.map((row) => ({
          id: row.id,
          event: row.event,
          version: row.version,
          payload: Buffer.from(row.payload),
          requestId: row.request_id,
          traceContext: row.trace_context,
        })),
      );
      const ids = rows.map((row) => row.id);
      await beforeDelete?.(ids);
      await query(em, `delete from ${outbox} where id = any($1)`, [ids]);
      return rows.length;
    });
  }

  /**
   * Events that just committed: published from memory, after the poll has published what it was left.
   * Past ten batches waiting, they and those before them are left to the poll.
   */
  #take(events: OutboxEvent[]): void {
    if (this.#held.size + events.length > batchesHeldAtMost * this.#options.batchSize) {
      this.#leaveToPoll();
      return;
    }
    for (const event of events) this.#held.add(event.id);
    this.#committed.push(...events);
    if (!this.#pollFirst) this.#publishing ??= this.#publishCommitted();
  }

  /** What waits in memory goes by the poll, in order; what commits next waits until it has caught up. */
  #leaveToPoll(): void {
    for (const event of this.#committed.splice(0)) this.#held.delete(event.id);
    this.#pollFirst = true;
    this.#leftToPoll++;
    this.nudge();
  }

  async #publishCommitted(): Promise<void> {
    const { orm, batchSize, beforeDelete, log } = this.#options;
    try {
      while (!this.#pollFirst && this.#committed.length > 0) {
        const batch = this.#committed.splice(0, batchSize);
        const ids = batch.map((event) => event.id);
        try {
          await this.#publish(
            batch.map((event) => ({ ...event, payload: Buffer.from(JSON.stringify(event.payload)) })),
          );
          await beforeDelete?.(ids);
          const em = orm.em.fork();
          await query(em, `delete from ${tableName(em, "outbox")} where id = any($1)`, [ids]);
        } catch (error) {
          // Their rows stay: the poll publishes them (again), and those after them.
          log.warn({ err: error, events: ids.length }, "could not publish events at their commit; polling");
          this.#leaveToPoll();
        } finally {
          for (const id of ids) this.#held.delete(id);
        }
      }
    } finally {
      this.#publishing = undefined;
    }
  }

  /**
   * Publishes events in order on one connection; acks are awaited together. An event too large for a
   * message goes by reference, stored under its own id (so a repeated publish stores it again).
   */
  async #publish(events: Publishable[]): Promise<void> {
    const { prefix } = this.#options;
    const bodies = await Promise.all(
      events.map((event) => this.#bodies.putBytes(event.payload, `event ${event.id}`, event.id)),
    );
    await Promise.all(
      events.map((event, i) => {
        const subject = `${prefix}.evt.${event.event}`;
        return publishSpan(subject, event, (traceContext) =>
          this.#js.publish(subject, bodies[i]!.data, {
            msgID: event.id,
            headers: bodies[i]!.annotate(
              envelopeHeaders({
                eventId: event.id,
                version: event.version,
                requestId: event.requestId ?? undefined,
                traceContext,
              }),
            ),
          }),
        );
      }),
    );
  }

  /** Rows a relay of an earlier release marked published and kept (for a week): hourly. */
  async #cleanup(): Promise<void> {
    if (Date.now() - this.#lastCleanup < 3_600_000) return;
    this.#lastCleanup = Date.now();
    const em = this.#options.orm.em.fork();
    await query(em, `delete from ${tableName(em, "outbox")} where published_at is not null`);
  }
}

/**
 * Publishes one event inside a producer span of the trace of the request that recorded it (its
 * outbox row's trace context), and sends that span's context with it: the consumers' spans are its
 * children. An event recorded outside any trace, or with tracing off, goes with what it had.
 */
async function publishSpan<T>(
  subject: string,
  message: { id: string; event: string; traceContext: Record<string, string> | null },
  publish: (traceContext: Record<string, string> | null) => Promise<T>,
): Promise<T> {
  if (!message.traceContext) return publish(null);
  const parent = propagation.extract(ROOT_CONTEXT, message.traceContext);
  const span = platformTracer().startSpan(
    `publish ${message.event}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "messaging.destination.name": subject,
        "messaging.message.id": message.id,
      },
    },
    parent,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  try {
    return await publish(Object.keys(carrier).length > 0 ? carrier : message.traceContext);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    span.end();
  }
}
