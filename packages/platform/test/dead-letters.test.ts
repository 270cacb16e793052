import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { bodyBucketName } from "@licensing/bus";
import { AppError, defineEndpoint, defineEvent, type EventType } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { Svcm } from "@nats-io/services";
import { register } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createBusService,
  type DeadLetter,
  DeadLetters,
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  ensureEventStream,
  eventEntities,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  type Orm,
  OutboxRelay,
  openDatabase,
  recordEvent,
} from "../src/index.ts";

/**
 * The event types of one test, under an entity of its own: a consumer starts from the beginning of
 * the stream, and must not see what the other tests published.
 */
function typesOf(entity: string) {
  return {
    graded: defineEvent(`${entity}.graded`, z.object({ n: z.number(), grade: z.enum(["a", "b"]) })),
    // What a newer release writes: a grade this reader does not know, then a breaking change.
    gradedLater: defineEvent(
      `${entity}.graded`,
      z.object({ n: z.number(), grade: z.enum(["a", "b", "c"]) }),
      {
        version: "1.1",
      },
    ),
    gradedV2: defineEvent(`${entity}.graded`, z.object({ n: z.string(), grade: z.enum(["a", "b"]) }), {
      version: "2.0",
    }),
    carried: defineEvent(`${entity}.carried`, z.object({ text: z.string() })),
  };
}
type Graded = ReturnType<typeof typesOf>["graded"];

const ping = defineEndpoint({
  service: "counting",
  subject: "counting.thing.ping",
  summary: "Ping",
  request: z.object({}),
  response: z.object({}),
  errors: [],
});

let env: TestEnv;
let orm: Orm;
let deadLetters: DeadLetters;
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
  deadLetters = new DeadLetters(env.nc, env.prefix);
});
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
});

async function publish<E extends EventType>(type: E, payload: z.output<E["payload"]>): Promise<string> {
  const id = await orm.em.fork().transactional((em) => recordEvent(em, type, payload));
  await new OutboxRelay({ orm, nc: env.nc, prefix: env.prefix, log: env.log }).publishBatch();
  return id;
}

/** Publishes what no writer of ours would: a body the reader must refuse. */
async function publishRaw(subject: string, body: string, id: string): Promise<void> {
  await jetstream(env.nc).publish(`${env.prefix}.evt.${subject}`, body, { msgID: id });
}

const seen: { consumer: string; eventId: string; payload: unknown }[] = [];

async function consumer(
  name: string,
  graded: Graded,
  handle: EventHandler<Graded> = async () => {},
  options: Partial<EventConsumerOptions> = {},
  more: (c: EventConsumer) => EventConsumer = (c) => c,
): Promise<EventConsumer> {
  const c = more(
    new EventConsumer({
      nc: env.nc,
      orm,
      prefix: env.prefix,
      name,
      log: env.log,
      retryDelayMs: 20,
      ...options,
    }).on(graded, async (payload, ctx) => {
      await handle(payload, ctx);
      seen.push({ consumer: name, eventId: ctx.eventId, payload });
    }),
  );
  await c.start();
  running.push(c);
  return c;
}

async function stop(c: EventConsumer): Promise<void> {
  await c.stop();
  running.splice(running.indexOf(c), 1);
}

async function letterOf(eventId: string): Promise<DeadLetter> {
  let found: DeadLetter | undefined;
  await expect
    .poll(async () => {
      found = (await deadLetters.list()).find((letter) => letter.eventId === eventId);
      return found;
    })
    .toBeDefined();
  return found!;
}

const handledBy = (name: string, eventId: string) =>
  seen.filter((s) => s.consumer === name && s.eventId === eventId);

describe("dead letters", () => {
  it("keeps a handler's refusal with its reason, and replays it once the handler is fixed", async () => {
    const { graded, gradedLater } = typesOf("refusal");
    // The reader is tolerant (the unknown grade reaches the handler); this handler cannot go on.
    const refusing = await consumer("strict", graded, async (payload) => {
      if (payload.grade !== "a" && payload.grade !== "b")
        throw new AppError("validation_failed", `unknown grade ${payload.grade}`);
    });
    const other = await consumer("other", graded);
    const id = await publish(gradedLater, { n: 1, grade: "c" });
    const letter = await letterOf(id);
    expect(letter).toMatchObject({
      consumer: "strict",
      reason: "rejected",
      detail: "validation_failed: unknown grade c",
      subject: `${env.prefix}.evt.refusal.graded`,
      version: "1.1",
      deliveries: 1,
    });
    await expect.poll(() => handledBy("other", id)).toHaveLength(1);
    expect(handledBy("strict", id)).toEqual([]);
    expect(refusing.stats()).toMatchObject({ consumer: "strict", deadLettered: { rejected: 1 } });
    expect(await register.getSingleMetricAsString("lic_dead_letters_total")).toContain(
      'lic_dead_letters_total{consumer="strict",reason="rejected"} 1',
    );

    // The fix ships: the same consumer, now knowing grade c. The replay reaches it; the consumer that
    // had handled the event already skips it.
    await stop(refusing);
    await consumer("strict", graded);
    await expect(deadLetters.replay(letter.seq)).resolves.toEqual({ seq: letter.seq, eventId: id });
    await expect
      .poll(() => handledBy("strict", id))
      .toEqual([{ consumer: "strict", eventId: id, payload: { n: 1, grade: "c" } }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(handledBy("other", id)).toHaveLength(1);
    expect((await deadLetters.list()).some((l) => l.seq === letter.seq)).toBe(false);
    expect(other.stats().deadLettered).toEqual({});
  });

  it("keeps an event of a major version the consumer has no handler for, and replays it once it has", async () => {
    const { graded, gradedV2 } = typesOf("major");
    const old = await consumer("upgrading", graded);
    const id = await publish(gradedV2, { n: "two", grade: "b" });
    const letter = await letterOf(id);
    expect(letter).toMatchObject({
      consumer: "upgrading",
      reason: "unknown_version",
      detail: "version 2.0; upgrading reads 1.x",
      version: "2.0",
    });
    await stop(old);
    const v2: unknown[] = [];
    await consumer("upgrading", graded, undefined, {}, (c) =>
      c.on(gradedV2, async (payload) => {
        v2.push(payload);
      }),
    );
    await deadLetters.replay(letter.seq);
    await expect.poll(() => v2).toEqual([{ n: "two", grade: "b" }]);
  });

  it("keeps a payload even the tolerant reader refuses, and a body that is not JSON, naming what is wrong", async () => {
    const { graded } = typesOf("garbled");
    await consumer("reader", graded);
    await publishRaw("garbled.graded", JSON.stringify({ n: "seven", grade: "a" }), "evt_bad_payload");
    await publishRaw("garbled.graded", "{nope", "evt_not_json");
    expect(await letterOf("evt_bad_payload")).toMatchObject({
      reason: "invalid_payload",
      detail: expect.stringMatching(/^Invalid garbled\.graded event: n: .*expected number/),
      version: "1.0",
    });
    const notJson = await letterOf("evt_not_json");
    expect(notJson).toMatchObject({
      reason: "unreadable_body",
      detail: "the body is not JSON in UTF-8",
      size: 5,
    });
    // Replaying it as it is would fail again: an operator who decides so discards it.
    await deadLetters.discard(notJson.seq);
    expect((await deadLetters.list()).some((l) => l.eventId === "evt_not_json")).toBe(false);
    await expect(deadLetters.discard(notJson.seq)).rejects.toMatchObject({ code: "not_found" });
  });

  it("retries an unexpected failure, then keeps the event once the deliveries allowed are spent", async () => {
    const { graded } = typesOf("buggy");
    let attempts = 0;
    await consumer(
      "buggy",
      graded,
      async () => {
        attempts++;
        throw new TypeError("cannot read properties of undefined");
      },
      { maxDeliveries: 3 },
    );
    const id = await publish(graded, { n: 3, grade: "a" });
    expect(await letterOf(id)).toMatchObject({
      reason: "max_deliveries",
      detail: "3 deliveries, the last failing: cannot read properties of undefined",
      deliveries: 3,
    });
    expect(attempts).toBe(3);
  });

  it("retries a lost service for as long as it takes: never a dead letter", async () => {
    const { graded } = typesOf("patient");
    let attempts = 0;
    await consumer(
      "patient",
      graded,
      async () => {
        attempts++;
        if (attempts <= 3) throw new AppError("service_unavailable", "The database is unavailable");
      },
      { maxDeliveries: 1 },
    );
    const id = await publish(graded, { n: 4, grade: "b" });
    await expect.poll(() => handledBy("patient", id)).toHaveLength(1);
    expect(attempts).toBe(4);
    expect((await deadLetters.list()).some((l) => l.eventId === id)).toBe(false);
  });

  it("keeps its own copy of a body sent by reference, replayable after the event's copy expired", async () => {
    const { graded, carried } = typesOf("bulky");
    const text = "é".repeat(800_000); // 1.6 MB: over a NATS message
    const received: string[] = [];
    const refusing = await consumer("bulky", graded, undefined, {}, (c) =>
      c.on(carried, async () => {
        throw new AppError("invalid_state", "not yet");
      }),
    );
    const id = await publish(carried, { text });
    const letter = await letterOf(id);
    // The relay publishes the payload as PostgreSQL writes jsonb out (a space after the colon).
    expect(letter).toMatchObject({ reason: "rejected", size: 1_600_000 + '{"text": ""}'.length });
    // The event stream's copy expires before anyone replays it.
    const eventBodies = await new Objm(env.nc).open(bodyBucketName(env.prefix, "events"));
    await eventBodies.delete(id);
    await stop(refusing);
    await consumer("bulky", graded, undefined, {}, (c) =>
      c.on(carried, async (payload) => {
        received.push(payload.text);
      }),
    );
    await deadLetters.replay(letter.seq);
    await expect.poll(() => received.length).toBe(1);
    expect(received[0] === text).toBe(true);
    const letterBodies = await new Objm(env.nc).open(bodyBucketName(env.prefix, "deadLetters"));
    await expect.poll(async () => (await letterBodies.list()).length).toBe(0);
  });

  it("counts what it dead-lettered in the service's $SRV.STATS", async () => {
    const { graded } = typesOf("counted");
    const counted = new EventConsumer({ nc: env.nc, orm, prefix: env.prefix, name: "counted", log: env.log });
    counted.on(graded, async () => {
      throw new AppError("validation_failed", "never");
    });
    const service = createBusService({
      nc: env.nc,
      prefix: env.prefix,
      name: "counting",
      version: "1.0.0",
      description: "test service",
      log: env.log,
      endpoints: (server) => server.add(ping, async () => ({})),
      workers: [counted],
    });
    await service.start();
    running.push(service);
    await letterOf(await publish(graded, { n: 5, grade: "a" }));
    const stats = async () => {
      for await (const s of await new Svcm(env.nc).client().stats("counting")) return s.endpoints?.[0]?.data;
    };
    expect(await stats()).toEqual({
      workers: [{ consumer: "counted", handled: 0, deadLettered: { rejected: 1 } }],
    });
  });

  it("lists, replays and discards from the command line", async () => {
    const { graded } = typesOf("cli");
    await consumer("cli", graded, async (payload) => {
      if (payload.n < 0) throw new AppError("validation_failed", "negative");
    });
    const id = await publish(graded, { n: -1, grade: "a" });
    const letter = await letterOf(id);
    const cli = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [resolve(import.meta.dirname, "../../../deploy/dead-letters.ts"), ...args],
        { env: { ...process.env, NATS_URL: env.natsUrl, SUBJECT_PREFIX: env.prefix } },
      );
    const listed = (await cli("list", "--consumer", "cli")).stdout;
    expect(listed).toContain(`#${letter.seq}  `);
    expect(listed).toContain(`  cli  rejected  cli.graded 1.0  ${id}\n`);
    expect(listed).toContain("validation_failed: negative");
    expect((await cli("list", "--consumer", "nobody")).stdout).toBe("No dead letters.\n");
    // Replayed, it is refused again: a new dead letter, the old one gone.
    expect((await cli("replay", String(letter.seq))).stdout).toBe(`#${letter.seq} replayed as event ${id}\n`);
    await expect
      .poll(async () => (await deadLetters.list({ consumer: "cli" })).map((l) => l.seq))
      .toEqual([expect.any(Number)]);
    const again = (await deadLetters.list({ consumer: "cli" }))[0]!;
    expect(again.seq).not.toBe(letter.seq);
    expect(again.eventId).toBe(id);
    expect((await cli("discard", String(again.seq))).stdout).toBe(`Discarded dead letter #${again.seq}.\n`);
    await expect(cli("replay", String(again.seq))).rejects.toMatchObject({
      stderr: `There is no dead letter ${again.seq}\n`,
    });
  });
});
