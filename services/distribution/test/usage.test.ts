import { distribution } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

const report = (key: string, units: number, idempotencyKey: string, extra: object = {}) =>
  t.call("POST", "/v1/usage", { key, body: { units, idempotencyKey, ...extra } });

describe("POST /v1/usage", () => {
  it("counts the same report once, sent 100 times one after the other and 100 times at once", async () => {
    const { licenseKey, id } = await t.issue({ accumulatedUnits: 1_000, unitsPerExecution: 100 });
    const first = await report(licenseKey, 7, "execution-0001");
    expect(first.json()).toMatchObject({ duplicate: false, unitsConsumed: 7, unitsRemaining: 993 });
    for (let i = 0; i < 99; i++) {
      const again = await report(licenseKey, 7, "execution-0001");
      expect(again.json()).toMatchObject({ duplicate: true, unitsConsumed: 7 });
    }
    const together = await Promise.all(
      Array.from({ length: 100 }, () => report(licenseKey, 9, "execution-0002")),
    );
    expect(together.every((r) => r.statusCode === 200)).toBe(true);
    expect(together.filter((r) => r.json().duplicate === false)).toHaveLength(1);
    const balance = await t.call("GET", "/v1/usage", { key: licenseKey });
    expect(balance.json()).toMatchObject({ unitsConsumed: 16, unitsRemaining: 984, accumulatedUnits: 1_000 });
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.balance.unitsConsumed).toBe(16);
    expect(usage.balance.lastUsedAt).not.toBeNull();
  });

  it("never overdraws the balance under concurrent executions", async () => {
    const { licenseKey } = await t.issue({ accumulatedUnits: 100, unitsPerExecution: 7 });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => report(licenseKey, 7, `concurrent-${i}-run`)),
    );
    const accepted = answers.filter((a) => a.statusCode === 200);
    expect(accepted).toHaveLength(14); // 14 × 7 = 98 ≤ 100 < 105
    for (const refused of answers.filter((a) => a.statusCode !== 200)) {
      expect(refused.json()).toMatchObject({ code: "units_exhausted", details: { unitsRemaining: 2 } });
    }
    const balance = (await t.call("GET", "/v1/usage", { key: licenseKey })).json();
    expect(balance).toMatchObject({ unitsConsumed: 98, unitsRemaining: 2 });
    // What is left can still be used, exactly.
    expect((await report(licenseKey, 2, "the-last-two")).json().unitsRemaining).toBe(0);
    expect((await report(licenseKey, 1, "one-too-many")).json().code).toBe("units_exhausted");
    expect((await report(licenseKey, 0, "a-run-of-zero")).statusCode).toBe(200);
  });

  it("refuses more than unitsPerExecution, a reused key with other units, and bad input", async () => {
    const { licenseKey } = await t.issue({ accumulatedUnits: 1_000, unitsPerExecution: 10 });
    const tooMany = await report(licenseKey, 11, "per-execution-1");
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().details.issues[0].path).toBe("units");
    expect((await report(licenseKey, 3, "reused-key-1")).statusCode).toBe(200);
    expect((await report(licenseKey, 4, "reused-key-1")).json().code).toBe("conflict");
    expect((await report(licenseKey, -1, "negative-1")).statusCode).toBe(400);
    expect((await report(licenseKey, 1, "short")).statusCode).toBe(400);
    expect((await report(licenseKey, 1.5, "fraction-1")).statusCode).toBe(400);
  });

  it("treats -1 as unlimited", async () => {
    const { licenseKey } = await t.issue({ accumulatedUnits: -1, unitsPerExecution: -1 });
    const answer = await report(licenseKey, 1_000_000_000, "big-run-0001");
    expect(answer.json()).toMatchObject({ unitsConsumed: 1_000_000_000, unitsRemaining: -1 });
  });
});

describe("distribution.usage.report", () => {
  it("sums units and executions and counts active machines per account and product, paged", async () => {
    const one = await t.issue({ accumulatedUnits: -1, unitsPerExecution: -1 });
    await t.call("POST", "/v1/machines", { key: one.licenseKey, body: { fingerprint: "report-machine-1" } });
    await report(one.licenseKey, 10, "report-run-1");
    await report(one.licenseKey, 15, "report-run-2");
    const cockpit = await t.issue({ products: ["cockpit"], accumulatedUnits: -1, unitsPerExecution: -1 });
    await report(cockpit.licenseKey, 5, "report-run-3");
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const all = await t.env.bus.request(distribution.usageReport, { from, to, accountId: one.accountId });
    const collector = all.items.find((r) => r.product === "collector")!;
    expect(collector.unitsConsumed).toBeGreaterThanOrEqual(25);
    expect(collector.activeMachines).toBeGreaterThanOrEqual(1);
    expect(all.items.find((r) => r.product === "cockpit")?.unitsConsumed).toBe(5);
    expect(all.totals.unitsConsumed).toBe(all.items.reduce((sum, r) => sum + r.unitsConsumed, 0));
    const page1 = await t.env.bus.request(distribution.usageReport, { from, to, limit: 1 });
    expect(page1.items).toHaveLength(1);
    const page2 = await t.env.bus.request(distribution.usageReport, {
      from,
      to,
      limit: 1,
      cursor: page1.nextCursor!,
    });
    expect(page2.items[0]).not.toEqual(page1.items[0]);
    const daily = await t.env.bus.request(distribution.usageReport, {
      from,
      to,
      bucket: "day",
      product: "cockpit",
    });
    expect(daily.items.every((r) => r.period !== null && r.product === "cockpit")).toBe(true);
    expect(daily.items.reduce((sum, r) => sum + r.unitsConsumed, 0)).toBe(5);
    const bad = await t.env.bus.request(distribution.usageReport, { from: to, to: from }).catch((e) => e);
    expect(bad.code).toBe("validation_failed");
  });
});
