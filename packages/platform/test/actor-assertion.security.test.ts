// The acting user as a signed assertion: what a service on the bus accepts, and what it refuses
// (answered `unauthorized`, logged by the refusing service), over a real NATS connection.
import {
  ActorAssertionError,
  ASSERTION_TTL_SECONDS,
  actorKeyId,
  actorKeysOf,
  BusClient,
  contextToHeaders,
  setActorKeys,
  signActorAssertion,
  tagActorAssertion,
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

/**
 * Sends `assertion` as Lic-Actor (and `tag` as Lic-Actor-Tag) under `requestId`, bypassing the typed
 * client; the decoded answer.
 */
async function send(assertion: string | undefined, requestId = "req_attack", tag?: string) {
  const h = headers();
  h.set(contextHeaders.requestId, requestId);
  if (assertion !== undefined) h.set(contextHeaders.actor, assertion);
  if (tag !== undefined) h.set(contextHeaders.actorTag, tag);
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

describe("the tag for the service a request is addressed to (a check cheaper than the signature)", () => {
  const keysOf = (signer: string) => actorKeysOf(env.nc).trusted.filter((key) => key.signer === signer);
  const probeKeyId = () => actorKeyId(keysOf("probe")[0]!.publicKey);
  /** The assertion with its signature replaced by zeros: only a tag can make it pass. */
  const unsigned = (token: string) => {
    const [version, body] = token.split(".") as [string, string, string];
    return `${version}.${body}.${Buffer.alloc(64).toString("base64url")}`;
  };
  /** The tag part of `tag` (made for some key), presented as one for the probe's key. */
  const asProbes = (tag: string) => `${probeKeyId()}.${tag.split(".")[1]}`;

  it("is sent by the typed client to the identity the endpoint names, and nowhere else", () => {
    const ctx = { requestId: "req_tag", actor: ann };
    const toProbe = contextToHeaders(ctx, actorKeysOf(env.nc), "probe");
    // One tag, for the probe's key: `<key id>.<128 bits>`.
    expect(toProbe.get(contextHeaders.actorTag)).toMatch(new RegExp(`^${probeKeyId()}\\.[\\w-]{22}$`));
    expect(contextToHeaders(ctx, actorKeysOf(env.nc), "nobody").has(contextHeaders.actorTag)).toBe(false);
    // A forwarded assertion goes without one: its tag was for the service it first reached.
    const assertion = toProbe.get(contextHeaders.actor);
    const forwarded = contextToHeaders({ ...ctx, assertion }, actorKeysOf(env.nc), "probe");
    expect(forwarded.has(contextHeaders.actorTag)).toBe(false);
  });

  it("stands in for the signature where it is for this service's key", async () => {
    const token = unsigned(signActorAssertion(gatewayKey(), ann, "req_tagged"));
    const tag = tagActorAssertion(gatewayKey(), token, keysOf("probe"));
    expect(await send(token, "req_tagged", tag)).toEqual({ actor: "usr_1" });
  });

  it("leaves a valid signature to decide when it is wrong, for another key or unreadable", async () => {
    const token = signActorAssertion(gatewayKey(), ann, "req_badtag");
    const forCatalog = tagActorAssertion(gatewayKey(), token, keysOf("catalog"))!;
    const unreadable = [`${probeKeyId()}.AAAA`, ",,.", `${probeKeyId()}.\u0000\ud800`, "x".repeat(5_000)];
    for (const tag of [forCatalog, asProbes(forCatalog), ...unreadable])
      expect(await send(token, "req_badtag", tag)).toEqual({ actor: "usr_1" });
  });

  const refused: [string, () => [token: string, tag: string]][] = [
    [
      "a tag made for another service's key",
      () => {
        const token = unsigned(signActorAssertion(gatewayKey(), ann, "req_attack"));
        return [token, asProbes(tagActorAssertion(gatewayKey(), token, keysOf("catalog"))!)];
      },
    ],
    [
      "a tag over claims changed afterwards",
      () => {
        const token = unsigned(signActorAssertion(gatewayKey(), { ...ann, roles: ["viewer"] }, "req_attack"));
        const tag = tagActorAssertion(gatewayKey(), token, keysOf("probe"))!;
        const [version, body, signature] = token.split(".") as [string, string, string];
        const claims = JSON.parse(Buffer.from(body, "base64url").toString());
        claims.act.roles = ["superadmin"];
        return [`${version}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`, tag];
      },
    ],
    [
      "a tag the service itself made in the gateway's name",
      () => {
        // The probe shares a secret with the gateway, but its key is one way: what the probe tags
        // towards the gateway is no tag from the gateway.
        const token = unsigned(signActorAssertion(gatewayKey(), ann, "req_attack"));
        return [
          token,
          asProbes(tagActorAssertion(testActorKeys("probe").signing!, token, keysOf("gateway"))!),
        ];
      },
    ],
    [
      "a tag made with a key nobody trusts",
      () => {
        const stranger = { signer: "gateway", privateKey: ed25519.generateKeyPair().privateKey };
        const token = unsigned(signActorAssertion(gatewayKey(), ann, "req_attack"));
        return [token, tagActorAssertion(stranger, token, keysOf("probe"))!];
      },
    ],
  ];
  for (const [what, make] of refused) {
    it(`refuses, without a valid signature, ${what}`, async () => {
      const [token, tag] = make();
      const answer = await send(token, "req_attack", tag);
      expect(answer).toMatchObject({ code: "unauthorized" });
      expect(answer.message).toContain("signature does not verify");
    });
  }

  it("is not made for a trusted key of small order (a key list edited by hand): the signature decides", () => {
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const token = signActorAssertion(gatewayKey(), ann, "req_small");
    const beside = [{ signer: "probe", publicKey: identityPoint }, ...keysOf("probe")];
    expect(tagActorAssertion(gatewayKey(), token, [beside[0]!])).toBeUndefined();
    expect(tagActorAssertion(gatewayKey(), token, beside)).toMatch(new RegExp(`^${probeKeyId()}\\.`));
  });

  it("is made for each of the service's trusted keys while its key is rotated", () => {
    // docs/operations.md, "Rotating an actor-signing key": the new public key is trusted everywhere
    // before the service switches to it, so its tag is there on either side of the switch.
    const rotated = { signer: "probe", privateKey: ed25519.generateKeyPair().privateKey };
    const oldKey = testActorKeys("probe").signing!;
    const trusted = [
      ...actorKeysOf(env.nc).trusted,
      { signer: "probe", publicKey: ed25519.getPublicKey(rotated.privateKey) },
    ];
    const token = unsigned(signActorAssertion(gatewayKey(), ann, "req_rotate"));
    const tag = tagActorAssertion(
      gatewayKey(),
      token,
      trusted.filter((key) => key.signer === "probe"),
    )!;
    expect(tag.split(",")).toHaveLength(2);
    for (const verifier of [oldKey, rotated])
      expect(verifyActorAssertion(token, "req_rotate", trusted, { tag, verifier })).toEqual(ann);
  });
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
