// `npm start` on its own authenticated bus (deploy/local-bus.ts): no NATS_URL, so it runs
// nats-server with the configuration generated from the permissions table, and every service under
// its own NKey. The whole path works (the gateway ready, a license issued by the issuer after asking
// the catalog, distribution serving it from its read model), and a client without an identity, or
// with the distribution identity calling the issuer's operator endpoint, is refused.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BusClient } from "@licensing/bus";
import { catalog, issuer, newId, notifier } from "@licensing/contracts";
import { connectNats, createLogger } from "@licensing/platform";
import { type StartedPlatform, startPlatform } from "@licensing/testing";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secureNatsPort } from "../local-bus.ts";

const keys = resolve(import.meta.dirname, "../../.data/bus");
const url = `nats://127.0.0.1:${secureNatsPort}`;
const operator = { id: "usr_secure", username: "sam", roles: ["superadmin" as const] };
let platform: StartedPlatform;
const connections: NatsConnection[] = [];

/** A connection as npm start's development identity `identity` (its NKey and actor key). */
async function as(identity: string): Promise<BusClient> {
  const read = (file: string) => readFileSync(resolve(keys, file), "utf8").trim();
  const nc = await connectNats(url, identity, createLogger("test", "silent"), {
    nkeySeed: read(`${identity}.nkey`),
    actorKey: new Uint8Array(Buffer.from(read(`${identity}.actor-key`), "base64")),
  });
  connections.push(nc);
  return new BusClient(nc, { prefix: platform.env.prefix, timeoutMs: 10_000 });
}

beforeAll(async () => {
  // No NATS_URL: npm start runs its own, authenticated.
  platform = await startPlatform({ NATS_URL: "" });
}, 180_000);
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  await platform?.stop();
});

describe("npm start on its authenticated bus", () => {
  it("says so, and the gateway is ready: every service answers under its own identity", async () => {
    expect(platform.output()).toContain(
      `every service under its own NKey and permissions) on port ${secureNatsPort}`,
    );
    expect((await fetch(`${platform.uiUrl}/readyz`)).status).toBe(200);
  });

  it("issues a license the distribution service then serves", async () => {
    const gateway = await as("gateway");
    const ctx = () => ({ ctx: { requestId: `req_${Math.random().toString(36).slice(2)}`, actor: operator } });
    await gateway.request(catalog.createProduct, { code: "securebus", name: "Secure bus" }, ctx());
    const account = await gateway.request(
      catalog.createAccount,
      { type: "customer", name: "Bus Ltd" },
      ctx(),
    );
    const { licenses } = await gateway.request(
      issuer.createLicense,
      { accountId: account.id, products: ["securebus"] },
      ctx(),
    );
    const key = licenses[0]!.licenseKey;
    await expect
      .poll(
        async () =>
          (
            await fetch(`${platform.distributionUrl}/v1/license`, {
              headers: { authorization: `License ${key}` },
            })
          ).status,
        { timeout: 15_000 },
      )
      .toBe(200);
  });

  it("lets the notifier ask the issuer for expiring licenses, and distribution for the signing keys", async () => {
    const gateway = await as("gateway");
    // The preview asks the issuer (issuer.license.expiring) as the notifier, under its own identity.
    const digest = await gateway.request(
      notifier.preview,
      {},
      { ctx: { requestId: "req_preview", actor: operator } },
    );
    expect(digest).toBeDefined();
    // Distribution publishes the keys it asks the issuer for (issuer.signing-key.list).
    const keys = await fetch(`${platform.distributionUrl}/v1/keys`);
    expect(keys.status).toBe(200);
    expect(platform.output()).not.toMatch(/Violation.*(license\.expiring|signing-key\.list)/);
  });

  it("refuses a client without an identity, and distribution creating licenses", async () => {
    await expect(connect({ servers: url, reconnect: false, timeout: 2_000 })).rejects.toThrow(
      /Authorization/i,
    );
    const distribution = await as("distribution");
    await expect(
      distribution.request(issuer.createLicense, {
        accountId: newId("account"),
        products: ["securebus"],
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect
      .poll(() => platform.output(), { timeout: 5_000 })
      .toMatch(/Publish Violation.*issuer\.license\.create/);
  });
});
