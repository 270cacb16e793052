import { BodyStore } from "@licensing/bus";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Orm } from "./database.ts";
import { envelopeHeaders } from "./event-envelope.ts";
import { onEventsCommitted } from "./outbox.ts";
import { PollingWorker } from "./polling-worker.ts";
import { query, tableName } from "./sql.ts";
import { platformTracer } from "./tracing.ts";
import { type OutboxFigures, watchOutbox } from "./work-metrics.ts";

export interface OutboxRelayOptions {
  orm: Orm;
  nc: NatsConnection;
  prefix: string;
  log: Logger;
  /** How often to look for events when nothing nudged the relay. */
  pollMs?: number;
  batchSize?: number;
  /** Test seam: runs after publishing a batch and before deleting its rows. */
  beforeDelete?: (eventIds: string[]) => Promise<void>;
}

/**
 * Publishes outbox rows to JetStream with `Nats-Msg-Id` = the outbox id, then deletes them: once the
 * stream has an event, the change it reports is in the database and the event in the stream, so the
 * row has nothing left to do (deleting costs PostgreSQL less than marking it and deleting it later).
 * If the relay dies in between, the next run publishes them again and JetStream's duplicate window
 * (and the consumers' own deduplication) makes the repeat harmless: every event arrives, and arrives
 * once. Replicas share the work: each batch is claimed with `FOR UPDATE SKIP LOCKED`.
 */
export class OutboxRelay {
  readonly #options: Required<Omit<OutboxRelayOptions, "beforeDelete">> &
    Pick<OutboxRelayOptions, "beforeDelete">;
  readonly #js: JetStreamClient;
  readonly #bodies: BodyStore;
  readonly #loop: PollingWorker;
  #lastCleanup = 0;
  #unwatch: (() => void) | undefined;

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
        const published = await this.publishBatch();
        await this.#cleanup();
        return published;
      },
    });
    onEventsCommitted(options.orm, () => this.nudge());
  }

  start(): void {
    this.#loop.start();
    const schema = this.#options.orm.config.get("schema") ?? "public";
    this.#unwatch ??= watchOutbox(schema, () => this.backlog(), this.#options.log);
  }

  /** Publish now rather than at the next poll. */
  nudge(): void {
    this.#loop.nudge();
  }

  stop(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
    return this.#loop.stop();
  }

  /** The rows not yet published and the age of the oldest (`/metrics`, on each scrape). */
  async backlog(): Promise<OutboxFigures> {
    const em = this.#options.orm.em.fork();
    const [row] = await query<{ backlog: string; age: number | null }>(
      em,
      `select count(*) as backlog, extract(epoch from now() - min(created_at))::float8 as age
       from ${tableName(em, "outbox")} where published_at is null`,
    );
    return { backlog: Number(row?.backlog ?? 0), oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
  }

  /** Publishes one batch; returns how many events it published. */
  async publishBatch(): Promise<number> {
    const { orm, prefix, batchSize, beforeDelete } = this.#options;
    return orm.em.fork().transactional(async (em) => {
      const outbox = tableName(em, "outbox");
      const batch = await query<{
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
         where published_at is null order by id limit $1 for update skip locked`,
        [batchSize],
      );
      if (batch.length === 0) return 0;
      // Published in order on one connection; acks are awaited together. An event too large for a
      // message goes by reference, stored under its own id (so a repeated publish stores it again).
      const bodies = await Promise.all(
        batch.map((message) =>
          this.#bodies.putBytes(Buffer.from(message.payload), `event ${message.id}`, message.id),
        ),
      );
      await Promise.all(
        batch.map((message, i) => {
          const subject = `${prefix}.evt.${message.event}`;
          return publishSpan(subject, message, (traceContext) =>
            this.#js.publish(subject, bodies[i]!.data, {
              msgID: message.id,
              headers: bodies[i]!.annotate(
                envelopeHeaders({
                  eventId: message.id,
                  version: message.version,
                  requestId: message.request_id ?? undefined,
                  traceContext,
                }),
              ),
            }),
          );
        }),
      );
      const ids = batch.map((m) => m.id);
      await beforeDelete?.(ids);
      await query(em, `delete from ${outbox} where id = any($1)`, [ids]);
      return batch.length;
    });
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
  message: { id: string; event: string; trace_context: Record<string, string> | null },
  publish: (traceContext: Record<string, string> | null) => Promise<T>,
): Promise<T> {
  if (!message.trace_context) return publish(null);
  const parent = propagation.extract(ROOT_CONTEXT, message.trace_context);
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
    return await publish(Object.keys(carrier).length > 0 ? carrier : message.trace_context);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    throw error;
  } finally {
    span.end();
  }
}
