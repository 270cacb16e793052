import { defineEvent } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AuditLogEntity,
  auditChainWorker,
  auditLogMigration,
  EventConsumer,
  ensureEventStream,
  eventEntities,
  eventStreamName,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  execute,
  type MetricsServer,
  type Orm,
  OutboxRelay,
  openDatabase,
  recordAudit,
  recordEvents,
  startMetricsServer,
} from "../src/index.ts";

const happened = defineEvent("probe.happened", z.object({ n: z.number() }));

let env: TestEnv;
let orm: Orm;
let metrics: MetricsServer;
/** Lets a stuck consumer go, so that stopping it does not wait forever when a test fails. */
let release = () => {};
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  orm = await openDatabase({
    url: env.databaseUrl,
    schema: "probe",
    entities: eventEntities,
    migrations: [eventTablesMigration, eventVersionMigration, eventTraceMigration],
    folder: import.meta.dirname,
    log: env.log,
  });
  metrics = (await startMetricsServer("probe", 0, env.log))!;
});
afterEach(async () => {
  release();
  for (const r of running.splice(0)) await r.stop();
});
afterAll(async () => {
  await metrics?.close();
  await orm?.close();
  await env?.stop();
});

/** The value of one series of the scrape, or undefined when it is not there. */
async function scraped(series: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const commitEvents = (...ns: number[]) =>
  orm.em.fork().transactional((em) =>
    recordEvents(
      em,
      ns.map((n) => ({ type: happened, payload: { n } })),
    ),
  );

function relay(options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}): OutboxRelay {
  const r = new OutboxRelay({ orm, nc: env.nc, prefix: env.prefix, log: env.log, pollMs: 50, ...options });
  r.start();
  running.push(r);
  return r;
}

const backlog = 'lic_outbox_backlog{schema="probe",service="probe"}';
const oldest = 'lic_outbox_oldest_age_seconds{schema="probe",service="probe"}';

describe("outbox gauges", () => {
  it("show a backlog that grows older while the relay cannot publish, and none once it can", async () => {
    const stuck = relay({
      beforeDelete: async () => {
        throw new Error("JetStream is away");
      },
    });
    await commitEvents(1, 2, 3);
    await expect.poll(() => scraped(backlog)).toBe(3);
    const firstAge = (await scraped(oldest))!;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await scraped(oldest)).toBeGreaterThan(firstAge + 1);

    await stuck.stop();
    running.splice(running.indexOf(stuck), 1);
    expect(await scraped(backlog)).toBeUndefined(); // a stopped relay reports nothing, not a stale figure
    relay();
    await expect.poll(() => scraped(backlog), { timeout: 5_000 }).toBe(0);
    expect(await scraped(oldest)).toBe(0);
  });
});

describe("consumer gauges", () => {
  it("show the events a consumer has not acknowledged while it is stuck, read from JetStream on scrape", async () => {
    relay();
    // The consumer reads the stream from its start: it lags by what earlier tests published too.
    await expect.poll(() => scraped(backlog), { timeout: 5_000 }).toBe(0);
    const earlier = (await (await jetstreamManager(env.nc)).streams.info(eventStreamName(env.prefix))).state
      .messages;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const consumer = new EventConsumer({
      nc: env.nc,
      orm,
      prefix: env.prefix,
      name: "lagging",
      log: env.log,
    }).on(happened, () => gate);
    await consumer.start();
    running.push(consumer);
    const pending = 'lic_consumer_pending_messages{consumer="lagging",entity="probe",service="probe"}';
    const ackPending = 'lic_consumer_ack_pending_messages{consumer="lagging",entity="probe",service="probe"}';
    await commitEvents(1, 2, 3, 4);
    // Its dead letters start at 0, so that an alert on their increase sees the first one.
    expect(
      await scraped('lic_dead_letters_total{consumer="lagging",reason="rejected",service="probe"}'),
    ).toBe(0);
    const lag = async () => ((await scraped(pending)) ?? 0) + ((await scraped(ackPending)) ?? 0);
    await expect.poll(lag, { timeout: 5_000 }).toBe(earlier + 4);

    release();
    await expect.poll(lag, { timeout: 5_000 }).toBe(0);
    await consumer.stop();
    running.splice(running.indexOf(consumer), 1);
    expect(await scraped(pending)).toBeUndefined();
  });
});

describe("pool gauges", () => {
  it("show the connections of the pool by state, and the queries waiting for one", async () => {
    await orm.em.fork().execute("select 1");
    expect(
      await scraped('lic_db_pool_connections{schema="probe",state="idle",service="probe"}'),
    ).toBeGreaterThan(0);
    expect(await scraped('lic_db_pool_connections{schema="probe",state="in_use",service="probe"}')).toBe(0);
    expect(await scraped('lic_db_pool_waiting_requests{schema="probe",service="probe"}')).toBe(0);
  });
});

const unchained = 'lic_audit_unchained_entries{schema="probe_audit",service="probe"}';
const oldestUnchained = 'lic_audit_oldest_unchained_age_seconds{schema="probe_audit",service="probe"}';

describe("audit chain gauges", () => {
  it("show entries waiting to be chained, older while the chain is held up, and none once chained", async () => {
    const audited = await openDatabase({
      url: env.databaseUrl,
      schema: "probe_audit",
      entities: [AuditLogEntity],
      migrations: [auditLogMigration],
      folder: import.meta.dirname,
      log: env.log,
    });
    // Another replica holding the chain's lock, in a transaction left open: this one finds nothing
    // it may chain.
    let locked = () => {};
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const held = audited.em.fork().transactional(async (em) => {
      await execute(em, "select pg_advisory_xact_lock(hashtext($1))", [
        'audit chain "probe_audit"."audit_log"',
      ]);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    try {
      await holding;
      await audited.em.fork().transactional((em) =>
        recordAudit(
          em,
          ...[1, 2, 3].map((n) => ({
            action: "thing.changed",
            entityType: "thing",
            entityId: `thing_${n}`,
            actor: { id: "usr_01ADA", username: "ada" },
          })),
        ),
      );
      const worker = auditChainWorker({ orm: audited, service: "probe", log: env.log, pollMs: 50 });
      worker.start();
      running.push(worker);
      await expect.poll(() => scraped(unchained)).toBe(3);
      const firstAge = (await scraped(oldestUnchained))!;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await scraped(oldestUnchained)).toBeGreaterThan(firstAge + 1);

      release();
      await held;
      await expect.poll(() => scraped(unchained), { timeout: 5_000 }).toBe(0);
      expect(await scraped(oldestUnchained)).toBe(0);
      await worker.stop();
      running.splice(running.indexOf(worker), 1);
      expect(await scraped(unchained)).toBeUndefined(); // a stopped worker reports nothing
    } finally {
      release();
      await held;
      await audited.close();
    }
  });
});
