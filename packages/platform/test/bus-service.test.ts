import { BodyStore, BusClient, bodyBucketName, bodyRefHeader, MAX_BODY_BYTES } from "@licensing/bus";
import { type Actor, AppError, defineEndpoint } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { Objm } from "@nats-io/obj";
import { headers } from "@nats-io/transport-node";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiContentSecurityPolicy, httpServerOptions, installHttpEdge } from "../src/http/index.ts";
import { createBusService, type RunningService } from "../src/index.ts";

const echo = defineEndpoint({
  service: "probe",
  subject: "probe.thing.echo",
  summary: "Echo",
  request: z.object({ text: z.string().min(1), times: z.number().int().min(1).default(1) }),
  response: z.object({ text: z.string(), requestId: z.string(), actor: z.string().nullable() }),
  errors: ["validation_failed"],
});
const fail = defineEndpoint({
  service: "probe",
  subject: "probe.thing.fail",
  summary: "Fails as asked",
  request: z.object({ how: z.enum(["app", "crash", "slow", "huge", "enormous"]) }),
  response: z.object({ ok: z.boolean(), filler: z.string().optional() }),
  errors: ["not_found", "internal", "payload_too_large"],
});
const broken = defineEndpoint({
  service: "probe",
  subject: "probe.thing.broken",
  summary: "Answers outside its contract as asked",
  request: z.object({ how: z.enum(["retyped", "missing", "dated"]) }),
  response: z.object({ count: z.number().int(), at: z.iso.datetime() }),
  errors: ["internal"],
});
const foreign = defineEndpoint({
  service: "probe",
  subject: "probe.thing.foreign",
  summary: "Answered by a responder of another contract",
  request: z.object({}),
  response: z.object({ count: z.number().int() }),
  errors: ["internal"],
});
const absent = defineEndpoint({
  service: "nobody",
  subject: "nobody.thing.get",
  summary: "Nobody answers",
  request: z.object({}),
  response: z.object({}),
  errors: [],
});

async function expectStoredBodies(count: number): Promise<void> {
  const store = await new Objm(env.nc).open(bodyBucketName(env.prefix, "messages"));
  await expect.poll(async () => (await store.list()).length).toBe(count);
}

const actor: Actor = { id: "usr_1", username: "ann", roles: ["viewer"] };
/** What the service logged, as JSON lines. */
const logged: Record<string, unknown>[] = [];
const log = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
let env: TestEnv;
let service: RunningService;
let slowFinished = false;

beforeAll(async () => {
  env = await createTestEnv();
  service = createBusService({
    nc: await env.connect("probe"),
    prefix: env.prefix,
    name: "probe",
    version: "1.0.0",
    description: "test service",
    log,
    endpoints: (server) =>
      server
        .add(echo, async (request, ctx) => ({
          text: request.text.repeat(request.times),
          requestId: ctx.requestId,
          actor: ctx.actor?.username ?? null,
        }))
        .add(fail, async (request) => {
          if (request.how === "app") throw new AppError("not_found", "No such thing");
          if (request.how === "huge") return { ok: true, filler: "x".repeat(3 * 1024 * 1024) };
          if (request.how === "enormous") return { ok: true, filler: "x".repeat(MAX_BODY_BYTES) };
          if (request.how === "slow") {
            await new Promise((resolve) => setTimeout(resolve, 300));
            slowFinished = true;
            return { ok: true };
          }
          throw new Error("boom");
        })
        .add(broken, async (request) => {
          const at = new Date("2026-03-04T05:06:07Z");
          if (request.how === "retyped") return { count: "secret-value", at: at.toISOString() } as never;
          if (request.how === "missing") return { at: at.toISOString() } as never;
          // A Date is a timestamp once the answer is JSON, which is what the caller reads.
          return { count: 1, at } as never;
        }),
  });
  await service.start();
});
afterAll(async () => {
  await service?.stop();
  await env?.stop();
});

describe("endpoint adapter and bus client", () => {
  it("answers a valid request with the request context", async () => {
    const answer = await env.bus.request(
      echo,
      { text: "ab", times: 2 },
      { ctx: { requestId: "req_42", actor } },
    );
    expect(answer).toEqual({ text: "abab", requestId: "req_42", actor: "ann" });
  });

  it("refuses an invalid request before it leaves, naming the field", async () => {
    await expect(env.bus.request(echo, { text: "" })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "text" }] },
    });
  });

  it("answers validation_failed for an invalid body from a foreign client, and for non-JSON", async () => {
    const raw = await env.nc.request(`${env.prefix}.probe.thing.echo`, JSON.stringify({ text: 5 }));
    expect(raw.headers?.get("Nats-Service-Error-Code")).toBe("400");
    expect(raw.json()).toMatchObject({ code: "validation_failed", message: expect.stringContaining("text") });
    const garbage = await env.nc.request(`${env.prefix}.probe.thing.echo`, "{nope");
    expect(garbage.json()).toMatchObject({
      code: "validation_failed",
      message: "The request body is not valid JSON",
    });
  });

  it("passes a domain error through with its code", async () => {
    await expect(env.bus.request(fail, { how: "app" })).rejects.toMatchObject({
      code: "not_found",
      message: "No such thing",
    });
  });

  it("turns an unexpected failure into internal, with the request id, instead of a timeout", async () => {
    const error = await env.bus
      .request(fail, { how: "crash" }, { ctx: { requestId: "req_crash" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "internal" });
    expect((error as AppError).message).not.toContain("boom");
  });

  it("answers internal, never the body, when the handler's answer breaks the contract", async () => {
    const error = await env.bus
      .request(broken, { how: "retyped" }, { ctx: { requestId: "req_broken" } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "internal", status: 500 });
    expect((error as AppError).message).toContain("does not match its contract");
    expect(JSON.stringify(error)).not.toContain("secret-value");
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 50,
        requestId: "req_broken",
        endpoint: "probe.thing.broken",
        issues: [{ path: "count", message: expect.stringContaining("expected number") }],
      }),
    );
    expect(JSON.stringify(logged)).not.toContain("secret-value");
    await expect(env.bus.request(broken, { how: "missing" })).rejects.toMatchObject({ code: "internal" });
    await expect(env.bus.request(broken, { how: "dated" })).resolves.toEqual({
      count: 1,
      at: "2026-03-04T05:06:07.000Z",
    });
  });

  it("shows a broken answer over HTTP as 500 internal, as the gateway's edge answers it", async () => {
    const app = Fastify(
      httpServerOptions({ log: env.log as FastifyBaseLogger, trustProxy: false, bodyLimit: 1024 }),
    );
    installHttpEdge(app, {
      who: "test gateway",
      contentSecurityPolicy: () => apiContentSecurityPolicy,
      strictTransportSecurity: () => false,
    });
    app.get("/broken", async () => env.bus.request(broken, { how: "retyped" }));
    try {
      const response = await app.inject({ method: "GET", url: "/broken" });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toMatchObject({ code: "internal", requestId: expect.stringMatching(/^req_/) });
      expect(response.body).not.toContain("secret-value");
    } finally {
      await app.close();
    }
  });

  it("reads an answer of another contract (a foreign or skewed responder) as internal, not the caller's fault", async () => {
    const sub = env.nc.subscribe(`${env.prefix}.probe.thing.foreign`, {
      callback: (_, msg) => {
        msg.respond(JSON.stringify({ count: "many" }));
      },
    });
    try {
      await expect(env.bus.request(foreign, {})).rejects.toMatchObject({
        code: "internal",
        message: expect.stringContaining("count"),
      });
    } finally {
      sub.unsubscribe();
    }
  });

  it("carries requests and answers larger than a NATS message by reference, and leaves nothing stored", async () => {
    const text = "é".repeat(1_500_000); // 3 MB of UTF-8, three times NATS' max_payload
    const answer = await env.bus.request(echo, { text, times: 2 });
    expect(answer.text.length).toBe(3_000_000);
    expect(answer.text).toBe(text + text);
    const huge = await env.bus.request(fail, { how: "huge" });
    expect(huge.filler).toHaveLength(3 * 1024 * 1024);
    // Request and answer bodies are read once, then deleted.
    await expectStoredBodies(0);
  });

  it("refuses a body over the bus's limit with payload_too_large naming the limit, before sending", async () => {
    await expect(env.bus.request(echo, { text: "x".repeat(MAX_BODY_BYTES) })).rejects.toMatchObject({
      code: "payload_too_large",
      message: expect.stringContaining("at most 64 MiB"),
    });
    await expect(env.bus.request(fail, { how: "enormous" })).rejects.toMatchObject({
      code: "payload_too_large",
      message: expect.stringContaining("at most 64 MiB"),
    });
  });

  it("reads a reference from a foreign client, and names a reference that is gone", async () => {
    const bodies = new BodyStore(env.nc, env.prefix, "messages");
    const body = await bodies.put({ text: "y".repeat(2_000_000) }, "test request");
    expect(body.ref).toBeDefined();
    const reply = await env.nc.request(`${env.prefix}.probe.thing.echo`, body.data, {
      headers: body.annotate(headers()),
      timeout: 10_000,
    });
    const answer = (await bodies.readJson(reply, "answer", { consume: true })) as { text: string };
    expect(answer.text).toHaveLength(2_000_000);
    const gone = headers();
    gone.set(bodyRefHeader, "never-stored");
    const refused = await env.nc.request(`${env.prefix}.probe.thing.echo`, new Uint8Array(0), {
      headers: gone,
      timeout: 10_000,
    });
    expect(refused.json()).toMatchObject({
      code: "service_unavailable",
      message: expect.stringContaining("no longer stored"),
    });
  });

  it("reports service_unavailable when no service listens, and when the answer is late", async () => {
    await expect(env.bus.request(absent, {})).rejects.toMatchObject({ code: "service_unavailable" });
    const impatient = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 50 });
    await expect(impatient.request(fail, { how: "slow" })).rejects.toMatchObject({
      code: "service_unavailable",
    });
  });

  it("is listed by the NATS service framework", async () => {
    const { Svcm } = await import("@nats-io/services");
    const pings = await new Svcm(env.nc).client().ping("probe");
    const found = [];
    for await (const ping of pings) found.push(ping);
    expect(found.map((p) => p.name)).toContain("probe");
  });

  it("finishes requests in flight before it stops", async () => {
    slowFinished = false;
    const pending = env.bus.request(fail, { how: "slow" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await service.stop();
    expect(slowFinished).toBe(true);
    await expect(pending).resolves.toEqual({ ok: true });
  });
});
