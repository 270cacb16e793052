// The upload locks on a nats-server that enforces the permissions table (as deployments run it):
// the gateway's replicas, under the gateway's identity, bring the bucket up, lock, ask each other to
// let go and unlock; no other identity reads or writes the bucket or the asks.
import { randomBytes } from "node:crypto";
import { streamNames } from "@licensing/contracts";
import { connectNats, createLogger } from "@licensing/platform";
import { type SecureNats, startSecureNats } from "@licensing/testing";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadLocks } from "../src/upload-locks.ts";

const prefix = `s${randomBytes(4).toString("hex")}`;
let nats: SecureNats;
const connections: NatsConnection[] = [];

async function as(identity: "gateway" | "distribution") {
  const nc = await connectNats(nats.url, identity, createLogger("test", "silent"), {
    nkeySeed: nats.seeds[identity],
  });
  connections.push(nc);
  return nc;
}

beforeAll(async () => {
  nats = await startSecureNats([prefix]);
});
afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => {});
  await nats?.stop();
});

describe("the upload locks under the bus's permissions", () => {
  it("work for the gateway's replicas, and for no other identity", async () => {
    const [a, b] = [
      new UploadLocks({ nc: await as("gateway"), prefix, ttlMs: 2_000 }),
      new UploadLocks({ nc: await as("gateway"), prefix, ttlMs: 2_000 }),
    ];
    const id = randomBytes(8).toString("hex");
    const held = a.newLock(id);
    let asked = 0;
    await held.lock(new AbortController().signal, () => {
      asked++;
      void held.unlock();
    });
    const next = b.newLock(id);
    await next.lock(new AbortController().signal, () => {});
    expect(asked).toBe(1);
    await next.unlock();
    // A later start with another TTL changes the bucket's max age.
    const longer = new UploadLocks({ nc: await as("gateway"), prefix, ttlMs: 4_000 });
    expect((await (await longer.bucket()).status()).ttl).toBe(4_000);

    const distribution = await as("distribution");
    const taking = async () => {
      const kv = await new Kvm(distribution).open(streamNames(prefix).uploadLocks);
      await kv.create(randomBytes(8).toString("hex"), "");
    };
    await expect(taking()).rejects.toThrow();
    await expect(
      distribution.request(`${prefix}.upload-locks.${id}`, "", { timeout: 1_000 }),
    ).rejects.toThrow();
  });
});
