// Gauges that say work is stuck: outbox rows not yet relayed, audit entries not yet chained, events
// a consumer has not yet acknowledged, database connections in use. Each is read when Prometheus
// scrapes (prom-client's `collect()`), from the component that owns it while it runs: nothing is
// counted on the hot path, and a worker that stopped stops reporting instead of reporting a stale
// figure.
import { Gauge } from "prom-client";
import type { Logger } from "./logger.ts";

type Labels = Record<string, string>;
type Read = () => Promise<[Labels, number][]>;

/** A gauge whose series are read from live sources at each scrape; a source that fails is left out. */
function sampledGauge(name: string, help: string, labelNames: string[]) {
  const sources = new Set<Read>();
  new Gauge({
    name,
    help,
    labelNames,
    async collect() {
      this.reset();
      const readings = await Promise.all([...sources].map((read) => read()));
      for (const [labels, value] of readings.flat()) this.set(labels, value);
    },
  });
  return (read: Read): (() => void) => {
    sources.add(read);
    return () => sources.delete(read);
  };
}

/**
 * One reading shared by the gauges of a scrape (they collect one after the other), and a failure
 * logged once and read as "no series": a scrape never fails because PostgreSQL or NATS is away.
 */
function sharedReading<T>(read: () => Promise<T>, what: string, log: Logger): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    if (last && Date.now() - last.at < 1_000) return last.value;
    const value = read().catch((error: unknown) => {
      log.warn({ err: error }, `${what} could not be read for /metrics`);
      return undefined;
    });
    last = { at: Date.now(), value };
    return value;
  };
}

/** Work waiting in a table for a worker: how many rows, and how old the oldest is (0 when none). */
export interface Backlog {
  waiting: number;
  oldestAgeSeconds: number;
}

/**
 * A pair of gauges for one kind of backlog, by schema, and the function that reports a worker's
 * backlog on them while it runs (it returns the function that stops reporting it).
 */
function backlogGauges(
  waiting: { name: string; help: string },
  oldest: { name: string; help: string },
  what: string,
) {
  const waitingGauge = sampledGauge(waiting.name, waiting.help, ["schema"]);
  const oldestGauge = sampledGauge(oldest.name, oldest.help, ["schema"]);
  return (schema: string, read: () => Promise<Backlog>, log: Logger): (() => void) => {
    const shared = sharedReading(read, `the ${schema} ${what}`, log);
    const stops = [
      waitingGauge(async () => {
        const backlog = await shared();
        return backlog ? [[{ schema }, backlog.waiting]] : [];
      }),
      oldestGauge(async () => {
        const backlog = await shared();
        return backlog ? [[{ schema }, backlog.oldestAgeSeconds]] : [];
      }),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  };
}

/** Reports an outbox relay's backlog: rows not yet published. */
export const watchOutbox = backlogGauges(
  {
    name: "lic_outbox_backlog",
    help: "Outbox rows not yet published to JetStream, by schema (the service's)",
  },
  {
    name: "lic_outbox_oldest_age_seconds",
    help: "Age of the oldest outbox row not yet published (0 when none is waiting), by schema",
  },
  "outbox backlog",
);

/** Reports how far a service's audit chain lags: entries not yet chained. */
export const watchAuditChain = backlogGauges(
  {
    name: "lic_audit_unchained_entries",
    help: "Audit entries not yet chained (given their place and link in the tamper-evident chain), by schema",
  },
  {
    name: "lic_audit_oldest_unchained_age_seconds",
    help: "Age of the oldest audit entry not yet chained (0 when none waits), by schema",
  },
  "audit chain's backlog",
);

const consumerPending = sampledGauge(
  "lic_consumer_pending_messages",
  "Events in the stream a durable consumer has not yet been sent (JetStream's num_pending), by consumer and entity",
  ["consumer", "entity"],
);
const consumerAckPending = sampledGauge(
  "lic_consumer_ack_pending_messages",
  "Events sent to a durable consumer and not yet acknowledged (num_ack_pending), by consumer and entity",
  ["consumer", "entity"],
);

export interface ConsumerLag {
  pending: number;
  ackPending: number;
}

/** Reports a durable consumer's lag while it runs; returns the function that stops reporting it. */
export function watchConsumer(
  labels: { consumer: string; entity: string },
  read: () => Promise<ConsumerLag>,
  log: Logger,
): () => void {
  const shared = sharedReading(read, `consumer ${labels.consumer}-${labels.entity}'s lag`, log);
  const stops = [
    consumerPending(async () => {
      const lag = await shared();
      return lag ? [[labels, lag.pending]] : [];
    }),
    consumerAckPending(async () => {
      const lag = await shared();
      return lag ? [[labels, lag.ackPending]] : [];
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

const poolConnections = sampledGauge(
  "lic_db_pool_connections",
  "PostgreSQL connections of the service's pool, by schema and state (in_use or idle)",
  ["schema", "state"],
);
const poolWaiting = sampledGauge(
  "lic_db_pool_waiting_requests",
  "Queries waiting for a connection of the pool (a full pool), by schema",
  ["schema"],
);

/** What `pg`'s Pool tells of itself. */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  ended: boolean;
}

/** Reports a connection pool until it is ended (the ORM closed). */
export function watchPool(schema: string, pool: PoolCounts): void {
  const stopConnections = poolConnections(async () => {
    if (pool.ended) return stopAll();
    return [
      [{ schema, state: "in_use" }, pool.totalCount - pool.idleCount],
      [{ schema, state: "idle" }, pool.idleCount],
    ];
  });
  const stopWaiting = poolWaiting(async () => (pool.ended ? stopAll() : [[{ schema }, pool.waitingCount]]));
  function stopAll(): [] {
    stopConnections();
    stopWaiting();
    return [];
  }
}
