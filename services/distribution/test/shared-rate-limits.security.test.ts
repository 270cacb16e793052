// Issue 15: two replicas of one deployment (same database, same subject prefix) share their rate-limit
// counts over NATS, so a client spreading its requests over both gets the limit, not twice it.
import { setTimeout as sleep } from "node:timers/promises";
import { connectNats } from "@licensing/platform";
import { startTcpProxy, type TcpProxy } from "@licensing/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rateLimitsSubject } from "../src/http/rate-limits/gossip.ts";
import { rateLimitWindowMs } from "../src/http/rate-limits/shared-limits.ts";
import type { DistributionService } from "../src/service.ts";
import { type DistributionUnderTest, freshRateWindow, startDistribution } from "./distribution-harness.ts";

const syncMs = 50;
/** Longer than a sync interval and its delivery, so each request sees every earlier one. */
const settle = () => sleep(syncMs * 5);

let t: DistributionUnderTest;
let replicas: DistributionService[];
/** A third replica's NATS connection, through a proxy the outage test cuts. */
let natsProxy: TcpProxy | undefined;
let proxiedNc: NatsConnection | undefined;
beforeAll(async () => {
  t = await startDistribution({ rateLimits: { perIp: 6, perKey: 4, syncMs } });
  replicas = [t.service, await t.addReplica()];
});
afterAll(async () => {
  await t?.stop();
  await proxiedNc?.close();
  await natsProxy?.close();
});

/** A request from `address` to replica `n`. */
function call(n: number, address: string, url: string, key?: string) {
  return replicas[n]!.app.inject({
    method: "GET",
    url,
    remoteAddress: address,
    headers: key ? { authorization: `License ${key}` } : {},
  });
}

let addresses = 0;
const newAddress = () => `10.15.${Math.floor(++addresses / 250)}.${addresses % 250}`;

describe("rate limits shared by the replicas", () => {
  it("refuses a license key past its limit however its requests are spread over the replicas", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    await freshRateWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Each request from its own address, so only the key's limit (4 a minute) applies.
      const answer = await call(i % 2, newAddress(), "/v1/license", licenseKey);
      statuses.push(answer.statusCode);
      if (answer.statusCode === 429) {
        expect(answer.json()).toMatchObject({ code: "rate_limited" });
        expect(Number(answer.headers["retry-after"])).toBeGreaterThan(0);
      }
      await settle();
    }
    // Counted per replica, the two would have let 8 through.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
  });

  it("refuses an address past its limit however its requests are spread over the replicas", async () => {
    await freshRateWindow();
    const address = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await call(i % 2, address, "/v1/license", "LK-1")).statusCode);
      await settle();
    }
    // 400 malformed_key: the address limit counts every request, known key or not.
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 429, 429, 429, 429]);
  });

  it("lets through at most the limit plus what the other replica admitted within one sync interval", async () => {
    await freshRateWindow();
    const address = newAddress();
    // A burst on both replicas at once, faster than they report to each other.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(i % 2, address, "/v1/license", "LK-1")),
    );
    const admitted = burst.filter((a) => a.statusCode !== 429).length;
    expect(admitted).toBeGreaterThanOrEqual(6);
    expect(admitted).toBeLessThanOrEqual(12); // each replica alone admits at most the limit
    await settle();
    // Once the reports arrived, neither replica admits more.
    for (const n of [0, 1]) expect((await call(n, address, "/v1/license", "LK-1")).statusCode).toBe(429);
  });

  it("ignores malformed and oversized reports, and keeps counting", async () => {
    const subject = rateLimitsSubject(t.env.prefix);
    const windowStart = Date.now() - (Date.now() % rateLimitWindowMs);
    const address = newAddress();
    const garbage = [
      "not json",
      "[]",
      JSON.stringify({ r: "intruder", w: windowStart, c: [[`ip:${address}`, -100]] }),
      JSON.stringify({ r: "intruder", w: windowStart, c: [[`ip:${address}`, "100"]] }),
      JSON.stringify({ r: "intruder", w: "now", c: [] }),
      JSON.stringify({ r: "intruder", w: windowStart, c: [[`ip:${address}`, 100]], extra: true }),
      JSON.stringify({ r: "intruder", w: windowStart, c: [[`ip:${address}`, 100, 1]] }),
      JSON.stringify({ r: "intruder", w: windowStart, c: [[`ip:${address}`, 1]], pad: "x".repeat(300_000) }),
    ];
    for (const message of garbage) t.env.nc.publish(subject, message);
    t.env.nc.publish(subject, new Uint8Array([0xff, 0xfe, 0x00]));
    await t.env.nc.flush();
    await freshRateWindow();
    await settle();
    // The address still has its whole budget on both replicas.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await call(i % 2, address, "/v1/license", "LK-1")).statusCode);
      await settle();
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 429]);
    expect((await call(0, address, "/healthz")).statusCode).toBe(200);
    expect((await call(1, address, "/healthz")).statusCode).toBe(200);
  });

  it("with sync off (0), each replica counts alone", async () => {
    const alone = [
      await t.addReplica({ rateLimits: { perIp: 6, perKey: 4, syncMs: 0 } }),
      await t.addReplica({ rateLimits: { perIp: 6, perKey: 4, syncMs: 0 } }),
    ];
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    await freshRateWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await alone[i % 2]!.app.inject({
        method: "GET",
        url: "/v1/license",
        remoteAddress: newAddress(),
        headers: { authorization: `License ${licenseKey}` },
      });
      statuses.push(answer.statusCode);
      await settle();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it("counts alone while a replica has lost NATS, and shares again once it is back", async () => {
    const nats = new URL(t.env.natsUrl.replace("nats://", "http://"));
    natsProxy = await startTcpProxy(nats.hostname, Number(nats.port || 4222));
    proxiedNc = await connectNats(`nats://127.0.0.1:${natsProxy.port}`, "distribution", t.env.log);
    const cutOff = await t.addReplica({ nc: proxiedNc });
    const pair = [t.service, cutOff];
    const spread = async (address: string, count: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) {
        const answer = await pair[i % 2]!.app.inject({
          method: "GET",
          url: "/v1/license",
          remoteAddress: address,
        });
        statuses.push(answer.statusCode);
        await settle();
      }
      return statuses;
    };
    await freshRateWindow();
    await natsProxy.cut();
    // 401 (no key): every request answered, each replica letting through its own 6.
    expect(await spread(newAddress(), 8)).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
    await natsProxy.restore();
    await vi.waitFor(() => proxiedNc!.flush(), { timeout: 20_000, interval: 200 });
    await freshRateWindow();
    expect(await spread(newAddress(), 8)).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  });
});
