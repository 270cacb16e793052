// The acting user as a signed assertion: what a service on the bus accepts, and what it refuses
// (answered `unauthorized`, logged by the refusing service), over a real NATS connection.
import {
  ActorAssertionError,
  ASSERTION_TTL_SECONDS,
  actorKeysOf,
  BusClient,
  setActorKeys,
  signActorAssertion,
  verifyActorAssertion,
} from "@licensing/bus";
import { type Actor, contextHeaders, defineEndpoint, serviceActor, systemActor } from "@licensing/contracts";
import { ed25519 } from "@licensing/model";
import { createTestEnv, type TestEnv, testActorKeys } from "@licensing/testing";
import { headers } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createBusService, type RunningService } from "../src/index.ts";

const whoami = defineEndpoint({
  service: "probe",
  subject: "probe.actor.whoami",
  summary: "Says who asks",
  request: z.object({}),
  response: z.object({ actor: z.string().nullable() }),
  errors: ["unauthorized"],
});

const ann: Actor = { id: "usr_1", username: "ann", roles: ["superadmin"] };
const logged: Record<string, unknown>[] = [];
const log = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
let env: TestEnv;
let service: RunningService;

beforeAll(async () => {
  env = await createTestEnv();
  service = createBusService({
    nc: await env.connect("probe"),
    prefix: env.prefix,
    name: "probe",
    version: "1.0.0",
    description: "test service",
    log,
    endpoints: (server) => server.add(whoami, async (_request, ctx) => ({ actor: ctx.actor?.id ?? null })),
  });
  await service.start();
});
afterAll(async () => {
  await service?.stop();
  await env?.stop();
});

/** Sends `assertion` as Lic-Actor under `requestId`, bypassing the typed client; the decoded answer. */
async function send(assertion: string | undefined, requestId = "req_attack") {
  const h = headers();
  h.set(contextHeaders.requestId, requestId);
  if (assertion !== undefined) h.set(contextHeaders.actor, assertion);
  const reply = await env.nc.request(`${env.prefix}.${whoami.subject}`, "{}", { headers: h, timeout: 5_000 });
  return JSON.parse(reply.string()) as { actor?: string | null; code?: string; message?: string };
}

function refusals(): Record<string, unknown>[] {
  return logged.filter((line) => line.msg === "refused a request: its actor assertion is not valid");
}

const gatewayKey = () => testActorKeys("gateway").signing!;

describe("an actor assertion signed by the gateway", () => {
  it("is accepted for the request it was made for", async () => {
    expect(await env.bus.request(whoami, {}, { ctx: { requestId: "req_ok", actor: ann } })).toEqual({
      actor: "usr_1",
    });
    expect(await send(signActorAssertion(gatewayKey(), ann, "req_ok2"), "req_ok2")).toEqual({
      actor: "usr_1",
    });
  });

  it("carries the actions the gateway resolved (custom roles included), which cannot be added to", () => {
    const keys = testActorKeys("gateway");
    const cy: Actor = { id: "usr_2", username: "cy", roles: ["field-support"], actions: ["license.read"] };
    const token = signActorAssertion(keys.signing!, cy, "req_actions");
    expect(verifyActorAssertion(token, "req_actions", keys.trusted)).toEqual(cy);
    const [version, body, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    claims.act.actions.push("license.reveal");
    const widened = `${version}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    expect(() => verifyActorAssertion(widened, "req_actions", keys.trusted)).toThrow(ActorAssertionError);
  });

  it("without one, the request acts as nobody", async () => {
    expect(await send(undefined)).toEqual({ actor: null });
  });
});

describe("refused, and logged by the service", () => {
  const cases: [string, () => string, string][] = [
    ["a bare actor (the old header)", () => JSON.stringify(ann), "not a v1 assertion"],
    [
      "a forged one (signed with a key nobody trusts)",
      () =>
        signActorAssertion(
          { signer: "gateway", privateKey: ed25519.generateKeyPair().privateKey },
          ann,
          "req_attack",
        ),
      "no trusted key",
    ],
    [
      "one whose actor was changed after signing",
      () => {
        const [v, body, sig] = signActorAssertion(
          gatewayKey(),
          { ...ann, roles: ["viewer"] },
          "req_attack",
        ).split(".");
        const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
        claims.act.roles = ["superadmin"];
        return `${v}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
      },
      "signature does not verify",
    ],
    [
      "one replayed under another request id",
      () => signActorAssertion(gatewayKey(), ann, "req_original"),
      "made for another request",
    ],
    [
      "an expired one",
      () =>
        signActorAssertion(gatewayKey(), ann, "req_attack", Date.now() - (ASSERTION_TTL_SECONDS + 5) * 1_000),
      "expired",
    ],
    [
      "a service speaking for an operator",
      () => signActorAssertion(testActorKeys("distribution").signing!, ann, "req_attack"),
      "distribution may not act for an operator",
    ],
    [
      "a service speaking as another service",
      () =>
        signActorAssertion(testActorKeys("notifier").signing!, serviceActor("distribution"), "req_attack"),
      "notifier may only act as service:notifier",
    ],
  ];
  for (const [what, assertion, reason] of cases) {
    it(what, async () => {
      const before = refusals().length;
      const answer = await send(assertion());
      expect(answer).toMatchObject({ code: "unauthorized" });
      expect(answer.message).toContain(reason);
      const logs = refusals().slice(before);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ requestId: "req_attack", subject: `${env.prefix}.${whoami.subject}` });
      expect(String(logs[0]!.reason)).toContain(reason);
    });
  }
});

describe("services acting for themselves", () => {
  it("sign their own service actor and the system actor", async () => {
    const distribution = new BusClient(await env.connect("distribution"), { prefix: env.prefix });
    const asItself = { ctx: { requestId: "req_self", actor: serviceActor("distribution") } };
    expect(await distribution.request(whoami, {}, asItself)).toEqual({ actor: "service:distribution" });
    const asSystem = { ctx: { requestId: "req_system", actor: systemActor } };
    expect(await distribution.request(whoami, {}, asSystem)).toEqual({ actor: "system" });
  });

  it("cannot send an actor over a connection without a signing key", async () => {
    const bare = await env.connect("bare");
    setActorKeys(bare, { trusted: actorKeysOf(bare).trusted });
    const client = new BusClient(bare, { prefix: env.prefix });
    await expect(
      client.request(whoami, {}, { ctx: { requestId: "req_x", actor: ann } }),
    ).rejects.toBeInstanceOf(ActorAssertionError);
  });

  it("forward the assertion they received, which verifies downstream under the same request id", () => {
    const token = signActorAssertion(gatewayKey(), ann, "req_fwd");
    expect(verifyActorAssertion(token, "req_fwd", actorKeysOf(env.nc).trusted)).toEqual(ann);
  });
});
