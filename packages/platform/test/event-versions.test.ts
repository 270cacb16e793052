import { defineEvent, eventHeaders } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  EventConsumer,
  ensureEventStream,
  eventEntities,
  eventStreamName,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  type Orm,
  OutboxRelay,
  openDatabase,
  recordEvent,
} from "../src/index.ts";

// The same event type as two releases define it: the newer added a member and an enum value, a
// compatible change, so it bumped the minor.
const graded = defineEvent("grade.given", z.object({ n: z.number(), grade: z.enum(["a", "b"]) }));
const gradedLater = defineEvent(
  "grade.given",
  z.object({ n: z.number(), grade: z.enum(["a", "b", "c"]), comment: z.string() }),
  { version: "1.3" },
);
// A breaking change: a new major, whose readers must be in place before writers send it.
const gradedV2 = defineEvent("grade.given", z.object({ n: z.string(), grade: z.enum(["a", "b"]) }), {
  version: "2.0",
});

let env: TestEnv;
let orm: Orm;
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
});
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
});

async function publish<E extends typeof graded | typeof gradedLater | typeof gradedV2>(
  type: E,
  payload: z.output<E["payload"]>,
): Promise<string> {
  const id = await orm.em.fork().transactional((em) => recordEvent(em, type, payload));
  await new OutboxRelay({ orm, nc: env.nc, prefix: env.prefix, log: env.log }).publishBatch();
  return id;
}

interface Seen {
  eventId: string;
  version: string;
  payload: unknown;
}

async function consume(register: (consumer: EventConsumer, seen: Seen[]) => void): Promise<Seen[]> {
  const seen: Seen[] = [];
  const name = `c${Math.random().toString(36).slice(2, 8)}`;
  const consumer = new EventConsumer({ nc: env.nc, orm, prefix: env.prefix, name, log: env.log });
  register(consumer, seen);
  await consumer.start();
  running.push(consumer);
  return seen;
}

describe("event versions and the tolerant reader", () => {
  it("publishes the writer's version and the event id in the envelope", async () => {
    const id = await publish(gradedLater, { n: 1, grade: "c", comment: "late" });
    const jsm = await jetstreamManager(env.nc);
    const stored = await jsm.streams.getMessage(eventStreamName(env.prefix), {
      last_by_subj: `${env.prefix}.evt.grade.given`,
    });
    expect(stored?.header.get(eventHeaders.version)).toBe("1.3");
    expect(stored?.header.get(eventHeaders.id)).toBe(id);
  });

  it("hands a newer minor's event to an older reader: unknown members dropped, unknown enum values kept", async () => {
    const seen = await consume((consumer, into) =>
      consumer.on(graded, async (payload, ctx) => {
        into.push({ eventId: ctx.eventId, version: ctx.version, payload });
      }),
    );
    const id = await publish(gradedLater, { n: 7, grade: "c", comment: "added in 1.3" });
    await expect
      .poll(() => seen.find((s) => s.eventId === id))
      .toEqual({
        eventId: id,
        version: "1.3",
        payload: { n: 7, grade: "c" },
      });
  });

  it("reads an event published before versions existed as 1.0, by its Nats-Msg-Id", async () => {
    const seen = await consume((consumer, into) =>
      consumer.on(graded, async (payload, ctx) => {
        into.push({ eventId: ctx.eventId, version: ctx.version, payload });
      }),
    );
    await jetstream(env.nc).publish(`${env.prefix}.evt.grade.given`, JSON.stringify({ n: 3, grade: "a" }), {
      msgID: "evt_old_relay_1",
      headers: headers(),
    });
    await expect
      .poll(() => seen.find((s) => s.eventId === "evt_old_relay_1"))
      .toEqual({
        eventId: "evt_old_relay_1",
        version: "1.0",
        payload: { n: 3, grade: "a" },
      });
  });

  it("hands each major to its own handler during a breaking change's upgrade window", async () => {
    const seen = await consume((consumer, into) =>
      consumer
        .on(graded, async (payload, ctx) => {
          into.push({ eventId: ctx.eventId, version: ctx.version, payload });
        })
        .on(gradedV2, async (payload, ctx) => {
          into.push({ eventId: ctx.eventId, version: ctx.version, payload: { v2: payload } });
        }),
    );
    const one = await publish(graded, { n: 1, grade: "a" });
    const two = await publish(gradedV2, { n: "one", grade: "b" });
    await expect
      .poll(() => seen.filter((s) => s.eventId === one || s.eventId === two))
      .toEqual([
        { eventId: one, version: "1.0", payload: { n: 1, grade: "a" } },
        { eventId: two, version: "2.0", payload: { v2: { n: "one", grade: "b" } } },
      ]);
  });

  it("refuses two handlers of one major", () => {
    const consumer = new EventConsumer({ nc: env.nc, orm, prefix: env.prefix, name: "twice", log: env.log });
    consumer.on(graded, async () => {});
    expect(() => consumer.on(gradedLater, async () => {})).toThrow("twice already handles grade.given 1.x");
  });
});
