// Issue 12, defect 8: every collector of a cockpit license uses the cockpit's key, so the key's rate
// budget is per (key, fingerprint), under a per-key ceiling sized by the license's seats: one
// runaway collector is refused without blocking the lease renewals of the others.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, freshRateWindow, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ rateLimits: { perIp: 0, perKey: 4 }, timings: { leaseTtlMs: 60_000 } });
});
afterAll(() => t?.stop());

const lease = (key: string, fingerprint: string) =>
  t.call("POST", "/v1/leases", { key, body: { fingerprint } });

describe("rate budget per (key, fingerprint)", () => {
  it("refuses a runaway collector while the others still renew, up to a ceiling sized by the seats", async () => {
    const { licenseKey } = await t.issue({ products: ["cockpit"], seats: 3 });
    await freshRateWindow();
    const runaway = [];
    for (let i = 0; i < 6; i++) runaway.push(await lease(licenseKey, "runaway-collector"));
    expect(runaway.slice(0, 4).every((r) => r.statusCode === 200)).toBe(true);
    expect(runaway[4]!.statusCode).toBe(429);
    expect(runaway[4]!.json()).toMatchObject({ code: "rate_limited" });
    expect(runaway[4]!.headers["retry-after"]).toBeDefined();
    // The runaway's refused requests did not spend the fleet's ceiling (3 seats × 4 = 12).
    for (let i = 0; i < 4; i++) expect((await lease(licenseKey, "calm-collector-1")).statusCode).toBe(200);
    for (let i = 0; i < 4; i++)
      expect((await lease(licenseKey, "calm-collector-2")).statusCode).not.toBe(429);
    const overCeiling = await lease(licenseKey, "calm-collector-3");
    expect(overCeiling.statusCode).toBe(429);
    expect(overCeiling.json().message).toMatch(/with this license key/);
  });

  it("gives a single-machine license one budget, requests without a fingerprint their own", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    await freshRateWindow();
    for (let i = 0; i < 4; i++)
      expect((await t.call("GET", "/v1/license", { key: licenseKey })).statusCode).toBe(200);
    expect((await t.call("GET", "/v1/license", { key: licenseKey })).statusCode).toBe(429);
    // The key's ceiling (1 × 4) is spent too: a machine of a one-machine license shares it.
    expect(
      (await t.call("POST", "/v1/machines", { key: licenseKey, body: { fingerprint: "only-machine" } }))
        .statusCode,
    ).toBe(429);
  });
});
