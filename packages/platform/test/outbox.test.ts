import { randomBytes } from "node:crypto";
import { bodyBucketName, bodyRefHeader } from "@licensing/bus";
import { defineEvent } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  EventConsumer,
  ensureEventStream,
  eventEntities,
  eventInlineMigration,
  eventRows,
  eventStreamName,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  insertRowsTogether,
  type Orm,
  OutboxMessage,
  OutboxRelay,
  openDatabase,
  recordEvent,
  recordEvents,
} from "../src/index.ts";

const happened = defineEvent("probe.happened", z.object({ n: z.number() }));
const carried = defineEvent("probe.carried", z.object({ text: z.string() }));
const signed = defineEvent("probe.signed", z.object({ file: z.string() }));

let env: TestEnv;
let orm: Orm;
const running: { stop(): Promise<void> }[] = [];

// The event tables in a schema of their own; a second call is a second process on the same schema.
const openProbeDatabase = () =>
  openDatabase({
    url: env.databaseUrl,
    schema: "probe",
    entities: eventEntities,
    migrations: [eventTablesMigration, eventVersionMigration, eventTraceMigration, eventInlineMigration],
    folder: import.meta.dirname,
    log: env.log,
  });

beforeAll(async () => {
  env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  orm = await openProbeDatabase();
});
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
});

async function commitEvents(...ns: number[]): Promise<string[]> {
  return orm.em.fork().transactional((em) =>
    recordEvents(
      em,
      ns.map((n) => ({ type: happened, payload: { n } })),
    ),
  );
}

function relay(options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}): OutboxRelay {
  const r = new OutboxRelay({ orm, nc: env.nc, prefix: env.prefix, log: env.log, pollMs: 50, ...options });
  return r;
}

/**
 * A running relay that polls once a minute, past its first poll: only a publication at commit can
 * be quick.
 */
async function nudgedRelay(): Promise<OutboxRelay> {
  const r = relay({ pollMs: 60_000 });
  r.start();
  running.push(r);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return r;
}

/** A consumer that records what it handled, under a fresh durable name unless one is given. */
async function consume(name = `c${Math.random().toString(36).slice(2, 8)}`) {
  const seen: { n: number; eventId: string }[] = [];
  const consumer = new EventConsumer({ nc: env.nc, orm, prefix: env.prefix, name, log: env.log }).on(
    happened,
    async (payload, ctx) => {
      seen.push({ n: payload.n, eventId: ctx.eventId });
    },
  );
  await consumer.start();
  running.push(consumer);
  return { seen, name, consumer };
}

/** A marker event's `n`: what `settled` sends after the events a test is about. */
const marker = -1_000;
const withoutMarkers = (seen: { n: number; eventId: string }[]) => seen.filter((s) => s.n !== marker);

/**
 * Commits and publishes a marker event and waits until the consumer has handled it. A consumer
 * handles one entity's events in order, so by then it has handled (or skipped) everything published
 * before: what it has not seen yet, it never will.
 */
async function settled(seen: { eventId: string }[]): Promise<void> {
  const [id] = await commitEvents(marker);
  await relay().publishBatch();
  await expect.poll(() => seen.some((s) => s.eventId === id), { timeout: 10_000 }).toBe(true);
}

/** How many messages the event stream holds. */
async function streamCount(): Promise<number> {
  const jsm = await jetstreamManager(env.nc);
  return (await jsm.streams.info(eventStreamName(env.prefix))).state.messages;
}

describe("outbox relay and consumer", () => {
  it("publishes committed events in order, and a rolled-back change publishes nothing", async () => {
    const { seen } = await consume();
    await orm.em
      .fork()
      .transactional(async (em) => {
        await recordEvent(em, happened, { n: -1 });
        throw new Error("rolled back");
      })
      .catch(() => {});
    await commitEvents(1, 2, 3);
    const r = relay();
    r.start();
    running.push(r);
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(3);
    await settled(seen);
    expect(withoutMarkers(seen).map((s) => s.n)).toEqual([1, 2, 3]);
  });

  it("publishes what a transaction recorded as soon as it commits, and not what a rollback undid", async () => {
    const { seen } = await consume();
    const r = await nudgedRelay();
    // Written, then rolled back whole: never handed over.
    await orm.em
      .fork()
      .transactional(async (em) => {
        await recordEvents(em, [{ type: happened, payload: { n: 49 } }]);
        throw new Error("rolled back");
      })
      .catch(() => {});
    const [kept] = await orm.em.fork().transactional(async (em) => {
      const ids = await recordEvents(em, [{ type: happened, payload: { n: 50 } }]);
      await em
        .transactional(async (inner) => {
          await recordEvents(inner, [{ type: happened, payload: { n: 51 } }]);
          throw new Error("savepoint rolled back");
        })
        .catch(() => {});
      return ids;
    });
    await expect.poll(() => seen.some((s) => s.eventId === kept), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => orm.em.fork().count(OutboxMessage, { id: kept! })).toBe(0);
    await r.stop();
    running.splice(running.indexOf(r), 1);
    await settled(seen);
    expect(withoutMarkers(seen).filter((s) => s.n >= 49 && s.n <= 51)).toEqual([{ n: 50, eventId: kept }]);
  });

  it("delivers once what two replicas publish side by side, one at commit while the other polls", async () => {
    const { seen } = await consume();
    // A second process on the same schema: its relay polls often and takes what it finds, including
    // events the first is publishing from memory.
    const replica = await openProbeDatabase();
    try {
      const polling = new OutboxRelay({
        orm: replica,
        nc: env.nc,
        prefix: env.prefix,
        log: env.log,
        pollMs: 5,
      });
      polling.start();
      running.push(polling);
      await nudgedRelay();
      const ids = (await Promise.all(Array.from({ length: 40 }, (_, i) => commitEvents(200 + i)))).flat();
      await expect
        .poll(() => orm.em.fork().count(OutboxMessage, { id: { $in: ids } }), { timeout: 5_000 })
        .toBe(0);
      await settled(seen);
      const delivered = withoutMarkers(seen).filter((s) => s.n >= 200 && s.n < 240);
      expect(delivered.map((s) => s.eventId).sort()).toEqual([...ids].sort());
    } finally {
      for (const r of running.splice(0)) await r.stop();
      await replica.close();
    }
  });

  it("publishes events written with no transaction as soon as their statement commits", async () => {
    const { seen } = await consume();
    await nudgedRelay();
    const em = orm.em.fork();
    const events = eventRows(em, [{ type: happened, payload: { n: 60 } }]);
    await insertRowsTogether(em, [events]);
    await expect.poll(() => seen.some((s) => s.eventId === events.ids[0]), { timeout: 5_000 }).toBe(true);
    // recordEvents is a statement beside the change it reports: only a transaction keeps them together.
    await expect(recordEvents(orm.em.fork(), [{ type: happened, payload: { n: 61 } }])).rejects.toThrow(
      /inside a transaction/,
    );
  });

  it("publishes at their commit events a savepoint did not record, and the poll those it did", async () => {
    const { seen } = await consume();
    const r = relay({ pollMs: 200 });
    r.start();
    running.push(r);
    const [outer, nested] = await orm.em.fork().transactional(async (em) => {
      const [first] = await recordEvents(em, [{ type: happened, payload: { n: 55 } }]);
      const [second] = await em.transactional((inner) =>
        recordEvents(inner, [{ type: happened, payload: { n: 56 } }]),
      );
      return [first, second];
    });
    await expect
      .poll(
        () =>
          seen
            .filter((s) => s.n === 55 || s.n === 56)
            .map((s) => s.eventId)
            .sort(),
        {
          timeout: 5_000,
        },
      )
      .toEqual([outer, nested].sort());
    await expect.poll(() => orm.em.fork().count(OutboxMessage, { id: { $in: [outer!, nested!] } })).toBe(0);
  });

  it("publishes again by the poll, and stores once, an event it published at commit and died before deleting", async () => {
    const { seen } = await consume();
    const before = await streamCount();
    // Armed once the relay's first poll is done: only this test's event meets it.
    let armed = false;
    let deletes = 0;
    const r = relay({
      pollMs: 60_000,
      beforeDelete: async () => {
        if (armed && deletes++ === 0) throw new Error("relay killed");
      },
    });
    r.start();
    running.push(r);
    await new Promise((resolve) => setTimeout(resolve, 200));
    armed = true;
    const [id] = await commitEvents(25);
    await expect.poll(() => orm.em.fork().count(OutboxMessage, { id: id! }), { timeout: 5_000 }).toBe(0);
    expect(deletes).toBe(2);
    await settled(seen);
    expect(seen.filter((s) => s.n === 25)).toEqual([{ n: 25, eventId: id }]);
    expect(await streamCount()).toBe(before + 2);
  });

  it("keeps a process's events in order when more than ten batches wait, and publishes each once", async () => {
    const { seen } = await consume();
    const before = await streamCount();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let armed = false;
    let deletes = 0;
    // The first batch published at commit waits before deleting its rows, and the ones after it wait.
    const r = relay({
      pollMs: 60_000,
      batchSize: 2,
      beforeDelete: () => (armed && deletes++ === 0 ? gate : Promise.resolve()),
    });
    r.start();
    running.push(r);
    await new Promise((resolve) => setTimeout(resolve, 200));
    armed = true;
    const ids: string[] = [];
    for (let n = 101; n <= 130; n++) ids.push(...(await commitEvents(n)));
    const order = () =>
      withoutMarkers(seen)
        .filter((s) => s.n > 100 && s.n <= 130)
        .map((s) => s.n);
    // 101 is published and waits; 102–120 wait in memory (ten batches of 2 in all). 121 finds it full:
    // 102–121 go by the poll, and 122–130 wait in memory until it has caught up.
    await expect.poll(() => order().length, { timeout: 5_000 }).toBe(21);
    expect(order()).toEqual(Array.from({ length: 21 }, (_, i) => 101 + i));
    // What it holds, the poll leaves alone.
    expect(await r.publishBatch()).toBe(0);
    open();
    await expect
      .poll(() => orm.em.fork().count(OutboxMessage, { id: { $in: ids } }), { timeout: 5_000 })
      .toBe(0);
    await settled(seen);
    expect(order()).toEqual(Array.from({ length: 30 }, (_, i) => 101 + i));
    expect(await streamCount()).toBe(before + 31);
  });

  it("delivers once when the relay dies between the commit and the publish", async () => {
    const { seen } = await consume();
    const before = await streamCount();
    // No relay runs while the change commits: it is as if the relay died right after the commit.
    const [id] = await commitEvents(10);
    expect(await streamCount()).toBe(before);
    expect((await orm.em.fork().findOneOrFail(OutboxMessage, { id: id! })).publishedAt).toBeNull();
    const restarted = relay();
    restarted.start();
    running.push(restarted);
    await expect.poll(() => seen.some((s) => s.eventId === id)).toBe(true);
    await settled(seen);
    expect(seen.filter((s) => s.n === 10)).toEqual([{ n: 10, eventId: id }]);
  });

  it("delivers once when the relay dies between the publish and deleting the row", async () => {
    const { seen } = await consume();
    const before = await streamCount();
    const [id] = await commitEvents(20);
    const dying = relay({
      beforeDelete: async () => {
        throw new Error("relay killed");
      },
    });
    await expect(dying.publishBatch()).rejects.toThrow("relay killed");
    const row = await orm.em.fork().findOneOrFail(OutboxMessage, { id: id! });
    expect(row.publishedAt).toBeNull();
    // The next relay publishes it again; JetStream drops the repeat by its Nats-Msg-Id.
    await relay().publishBatch();
    await expect.poll(() => seen.some((s) => s.eventId === id)).toBe(true);
    expect(await streamCount()).toBe(before + 1);
    await settled(seen);
    expect(seen.filter((s) => s.n === 20)).toHaveLength(1);
    expect(await orm.em.fork().findOne(OutboxMessage, { id: id! })).toBeNull();
  });

  it("keeps a signed license's payload in the row, and removes rows an earlier release kept as published", async () => {
    const { seen } = await consume();
    // A relay of an earlier release marked rows published and kept them a week: they are not
    // published again, and go at the next cleanup.
    const [kept] = await commitEvents(40);
    await orm.em.fork().execute(`update probe.outbox set published_at = now() where id = ?`, [kept]);
    // A signed license's file is about this size, and does not compress: it stays in the row.
    const [large] = await orm.em
      .fork()
      .transactional((em) =>
        recordEvents(em, [{ type: signed, payload: { file: randomBytes(2_250).toString("base64") } }]),
      );
    const [toast] = await orm.em
      .fork()
      .execute<{ bytes: string }[]>(
        `select pg_relation_size(reltoastrelid) as bytes from pg_class where oid = 'probe.outbox'::regclass`,
      );
    expect(Number(toast?.bytes)).toBe(0);
    const r = relay();
    r.start();
    running.push(r);
    await expect.poll(() => orm.em.fork().count(OutboxMessage, { id: { $in: [kept!, large!] } })).toBe(0);
    await settled(seen);
    expect(seen.some((s) => s.eventId === kept)).toBe(false);
  });

  it("a consumer replaying the stream skips what it already handled", async () => {
    const first = await consume("replayer");
    const [id] = await commitEvents(30);
    await relay().publishBatch();
    await expect.poll(() => first.seen.some((s) => s.eventId === id)).toBe(true);
    await first.consumer.stop();
    running.splice(running.indexOf(first.consumer), 1);
    const jsm = await jetstreamManager(env.nc);
    await jsm.consumers.delete(eventStreamName(env.prefix), "replayer-probe");
    // Same durable name, recreated: it is delivered everything again and handles nothing twice.
    const second = await consume("replayer");
    await settled(second.seen);
    expect(withoutMarkers(second.seen)).toEqual([]);
  });

  it("retries an event whose handler failed, and then handles it once", async () => {
    let attempts = 0;
    const handled: string[] = [];
    const consumer = new EventConsumer({
      nc: env.nc,
      orm,
      prefix: env.prefix,
      name: "flaky",
      log: env.log,
    }).on(happened, async (_payload, ctx) => {
      attempts++;
      if (attempts === 1) throw new Error("transient");
      handled.push(ctx.eventId);
    });
    await consumer.start();
    running.push(consumer);
    await expect.poll(() => handled.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(new Set(handled).size).toBe(handled.length);
  });

  it("carries an event larger than a NATS message by reference, once, to every consumer", async () => {
    const text = "ü".repeat(1_600_000); // 3.2 MB of UTF-8
    const received: string[] = [];
    const consumer = new EventConsumer({ nc: env.nc, orm, prefix: env.prefix, name: "bulky", log: env.log })
      .on(carried, async (payload) => {
        received.push(payload.text);
      })
      .on(happened, async () => {});
    await consumer.start();
    running.push(consumer);
    const [id] = await orm.em
      .fork()
      .transactional((em) => recordEvents(em, [{ type: carried, payload: { text } }]));
    // Published twice (a relay that died before deleting its row): stored and delivered once.
    const jsm = await jetstreamManager(env.nc);
    const lastStored = async () =>
      (await jsm.streams.info(`OBJ_${bodyBucketName(env.prefix, "events")}`)).state.last_seq;
    await expect(
      relay({ beforeDelete: async () => Promise.reject(new Error("killed")) }).publishBatch(),
    ).rejects.toThrow("killed");
    const storedOnce = await lastStored();
    await relay().publishBatch();
    // The second relay leaves the body as it is: replacing it would purge the chunks that a consumer
    // of the first publication may be reading.
    expect(await lastStored()).toBe(storedOnce);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(received).toHaveLength(1);
    expect(received[0] === text).toBe(true);
    const stored = await jsm.streams.getMessage(eventStreamName(env.prefix), {
      last_by_subj: `${env.prefix}.evt.probe.carried`,
    });
    expect(stored?.data.length).toBe(0);
    expect(stored?.header.get(bodyRefHeader)).toBe(id);
  });
});
