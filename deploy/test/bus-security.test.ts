// The bus as a trust boundary, attacked: a nats-server of its own with the authorization generated
// from the permissions table (deploy/nats-auth.ts), the catalog and the issuer on it under their own
// identities, and clients under the others. What must work works; every attack is refused, and the
// refusal is logged: by the NATS server (permission violations, authentication failures) or by the
// service that refused it (actor assertions).
import { randomBytes } from "node:crypto";
import { BusClient, signActorAssertion } from "@licensing/bus";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import {
  type Actor,
  type BusIdentity,
  catalog,
  contextHeaders,
  eventHeaders,
  issuer,
  streamNames,
} from "@licensing/contracts";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { connectNats, ensureEventStream, type Orm, type RunningService } from "@licensing/platform";
import {
  createTestEnv,
  type SecureNats,
  startSecureNats,
  type TestEnv,
  testActorKeys,
} from "@licensing/testing";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { connect, headers, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const prefix = `s${randomBytes(4).toString("hex")}`;
const names = streamNames(prefix);
const sales: Actor = { id: "usr_sales", username: "sam", roles: ["sales"] };
const logged: Record<string, unknown>[] = [];
const log = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });

let nats: SecureNats;
let env: TestEnv;
const connections: NatsConnection[] = [];
const services: RunningService[] = [];
const orms: Orm[] = [];

/** A connection under `identity`'s NKey, signing actor assertions with its test key. */
async function as(identity: BusIdentity) {
  const keys = testActorKeys(identity);
  const nc = await connectNats(nats.url, identity, log, {
    nkeySeed: nats.seeds[identity],
    ...(keys.signing ? { actorKey: keys.signing.privateKey } : {}),
    trustedActorKeys: keys.trusted,
  });
  connections.push(nc);
  return nc;
}

let gateway: BusClient;
let gatewayNc: NatsConnection;
let accountId: string;
let productCode: string;

beforeAll(async () => {
  env = await createTestEnv();
  nats = await startSecureNats([prefix]);
  const catalogNc = await as("catalog");
  await ensureEventStream(catalogNc, prefix);
  const catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
  orms.push(catalogOrm);
  services.push(createCatalogService({ nc: catalogNc, orm: catalogOrm, prefix, log }));
  const issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
  orms.push(issuerOrm);
  services.push(
    createIssuerService({
      nc: await as("issuer"),
      orm: issuerOrm,
      prefix,
      log,
      kek: randomBytes(32),
      defaultNotifyDays: 30,
      builtinPresets: false,
    }),
  );
  for (const service of services) await service.start();
  gatewayNc = await as("gateway");
  gateway = new BusClient(gatewayNc, { prefix, timeoutMs: 10_000 });
  productCode = `p${randomBytes(3).toString("hex")}`;
  await gateway.request(
    catalog.createProduct,
    { code: productCode, name: "Probe" },
    { ctx: { requestId: "req_p", actor: { ...sales, roles: ["superadmin"] } } },
  );
  const account = await gateway.request(
    catalog.createAccount,
    { type: "customer", name: "Acme", contacts: [] },
    { ctx: { requestId: "req_a", actor: sales } },
  );
  accountId = account.id;
}, 60_000);

afterAll(async () => {
  for (const service of services.reverse()) await service.stop().catch(() => {});
  for (const nc of connections) await nc.close().catch(() => {});
  for (const orm of orms) await orm.close().catch(() => {});
  await nats?.stop();
  await env?.stop();
});

describe("what the permissions allow", () => {
  it("the gateway creates a license for an operator: the issuer asks the catalog, and publishes the event", async () => {
    const created = await gateway.request(
      issuer.createLicense,
      { accountId, products: [productCode] },
      { ctx: { requestId: "req_create", actor: sales } },
    );
    expect(created.licenses).toHaveLength(1);
    // The license-issued event reaches a reader of license events (distribution's consumer).
    const reader = await as("distribution");
    const seen: string[] = [];
    const jsm = await jetstreamManager(reader);
    await jsm.consumers.add(names.events, {
      durable_name: "distribution-license",
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${prefix}.evt.license.>`,
    });
    const messages = await (
      await jetstream(reader).consumers.get(names.events, "distribution-license")
    ).fetch({
      max_messages: 1,
      expires: 5_000,
    });
    for await (const message of messages) {
      seen.push(message.subject);
      message.ack();
    }
    expect(seen).toEqual([`${prefix}.evt.license.issued`]);
  });
});

describe("attacks, each refused and logged", () => {
  it("an unauthenticated client cannot connect", async () => {
    await expect(connect({ servers: nats.url, reconnect: false, timeout: 2_000 })).rejects.toThrow(
      /Authorization Violation/i,
    );
    await until(() => /authentication error/i.test(nats.log()));
  });

  it("a client with an unknown NKey cannot connect either", async () => {
    const stranger = new TextDecoder().decode(createUser().getSeed());
    await expect(connectNatsOnce(stranger)).rejects.toThrow(/Authorization Violation/i);
  });

  it("the distribution identity cannot call lic.issuer.license.create", async () => {
    const distribution = new BusClient(await as("distribution"), { prefix, timeoutMs: 3_000 });
    await expect(
      distribution.request(
        issuer.createLicense,
        { accountId, products: [productCode] },
        {
          ctx: {
            requestId: "req_x",
            actor: { id: "service:distribution", username: "distribution", roles: [] },
          },
        },
      ),
    ).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("may not call") });
    await until(
      () =>
        nats.log().includes(`Publish Violation`) && nats.log().includes(`${prefix}.issuer.license.create`),
    );
  });

  it("a forged Lic-Actor (a bare actor) is refused by the issuer, which logs it", async () => {
    const answer = await raw(
      gatewayNc,
      `${prefix}.${issuer.createLicense.subject}`,
      JSON.stringify(sales),
      "req_forged",
    );
    expect(answer).toMatchObject({ code: "unauthorized" });
    expect(refusals("req_forged")).toHaveLength(1);
  });

  it("a replayed assertion (another request id, or expired) is refused and logged", async () => {
    const key = testActorKeys("gateway").signing!;
    const other = signActorAssertion(key, sales, "req_original");
    expect(
      await raw(gatewayNc, `${prefix}.${issuer.createLicense.subject}`, other, "req_replay"),
    ).toMatchObject({
      code: "unauthorized",
      message: expect.stringContaining("another request"),
    });
    const old = signActorAssertion(key, sales, "req_old", Date.now() - 120_000);
    expect(await raw(gatewayNc, `${prefix}.${issuer.createLicense.subject}`, old, "req_old")).toMatchObject({
      code: "unauthorized",
      message: expect.stringContaining("expired"),
    });
    expect(refusals("req_replay")).toHaveLength(1);
    expect(refusals("req_old")).toHaveLength(1);
  });

  it("a fake event on lic.evt.license.revoked is refused to every identity but the issuer", async () => {
    for (const identity of ["gateway", "distribution", "catalog"] as const) {
      const nc = await as(identity);
      const h = headers();
      h.set(eventHeaders.id, `evt_fake_${identity}`);
      await expect(
        jetstream(nc).publish(`${prefix}.evt.license.revoked`, "{}", { headers: h, timeout: 2_000 }),
      ).rejects.toThrow();
      await until(() => nats.log().includes(`${prefix}.evt.license.revoked`));
    }
    const jsm = await jetstreamManager(await adminConnection());
    const info = await jsm.streams.info(names.events, { subjects_filter: `${prefix}.evt.license.revoked` });
    expect(info.state.subjects?.[`${prefix}.evt.license.revoked`] ?? 0).toBe(0);
  });

  it("no identity but the readers of an entity can read its events; the license-files stream is the license server's", async () => {
    const jsm = await jetstreamManager(await as("distribution"));
    // distribution reads license events, never accounts'.
    await expect(
      jsm.consumers.add(names.events, {
        durable_name: "distribution-account",
        ack_policy: AckPolicy.Explicit,
        filter_subject: `${prefix}.evt.account.>`,
      }),
    ).rejects.toThrow();
    const gatewayJsm = await jetstreamManager(gatewayNc);
    await expect(
      gatewayJsm.consumers.add(names.events, {
        ack_policy: AckPolicy.None,
        filter_subject: `${prefix}.evt.>`,
      }),
    ).rejects.toThrow();
    await expect(gatewayJsm.streams.info(names.licenseFiles)).rejects.toThrow();
  });

  it("the releases stream is written by distribution and read by the license server alone", async () => {
    const distributionNc = await as("distribution");
    await (await jetstreamManager(distributionNc)).streams.add({
      name: names.releases,
      subjects: [`${prefix}.releases.>`],
      max_msgs_per_subject: 1,
    });
    await jetstream(distributionNc).publish(`${prefix}.releases.rel_1`, '{"version":1}');
    const server = jetstream(await as("license-server"));
    const consumer = await server.consumers.get(names.releases);
    const message = await consumer.next({ expires: 2_000 });
    expect(message?.subject).toBe(`${prefix}.releases.rel_1`);
    await expect(
      jetstream(gatewayNc).publish(`${prefix}.releases.rel_2`, "{}", { timeout: 2_000 }),
    ).rejects.toThrow();
    await expect((await jetstreamManager(gatewayNc)).streams.info(names.releases)).rejects.toThrow();
  });
});

async function connectNatsOnce(seed: string) {
  return connect({
    servers: nats.url,
    reconnect: false,
    timeout: 2_000,
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)),
  });
}

async function adminConnection(): Promise<NatsConnection> {
  const nc = await connectNatsOnce(nats.adminSeed);
  connections.push(nc);
  return nc;
}

/** A request with `actorHeader` as Lic-Actor, bypassing the typed client. */
async function raw(nc: NatsConnection, subject: string, actorHeader: string, requestId: string) {
  const h = headers();
  h.set(contextHeaders.requestId, requestId);
  h.set(contextHeaders.actor, actorHeader);
  const body = JSON.stringify({ accountId, products: [productCode] });
  const reply = await nc.request(subject, body, { headers: h, timeout: 5_000 });
  return JSON.parse(reply.string()) as { code?: string; message?: string };
}

function refusals(requestId: string) {
  return logged.filter(
    (line) =>
      line.msg === "refused a request: its actor assertion is not valid" && line.requestId === requestId,
  );
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not seen in ${timeoutMs} ms:\n${nats.log().slice(-3_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
