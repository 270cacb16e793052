import { distribution } from "@licensing/contracts";
import pg from "pg";
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

  it("counts a report racing itself 16 at once once, each twin answered with the first one's units", async () => {
    const { id, accountId } = await t.issue({ accumulatedUnits: -1, unitsPerExecution: -1 });
    // Sixteen connections of their own, so the twins meet in PostgreSQL, not in a pool's queue.
    const pool = new pg.Pool({ connectionString: t.env.databaseUrl, max: 16 });
    try {
      for (const key of ["race-0001", "race-0002", "race-0003"]) {
        const answers = await Promise.all(
          Array.from({ length: 16 }, () =>
            pool.query<{ answer: { duplicate: boolean; earlierUnits?: number } }>(
              "select distribution.report_usage($1, $2, 5, $3, 'collector', null, null, null, now()) as answer",
              [id, key, accountId],
            ),
          ),
        );
        const firsts = answers.filter((a) => !a.rows[0]!.answer.duplicate);
        expect(firsts).toHaveLength(1);
        expect(answers.filter((a) => a.rows[0]!.answer.earlierUnits === 5)).toHaveLength(15);
      }
      const stored = await pool.query<{ reports: number; keys: number }>(
        `select (select count(*)::int from distribution.usage_reports where license_id = $1) as reports,
           (select count(*)::int from distribution.usage_report_keys where license_id = $1) as keys`,
        [id],
      );
      expect(stored.rows[0]).toEqual({ reports: 3, keys: 3 });
    } finally {
      await pool.end();
    }
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.balance.unitsConsumed).toBe(15);
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
    // A cursor whose period is not a day (it bounds the periods a page reads) names the cursor.
    for (const period of ["2026-13-45", "yesterday", 7]) {
      const cursor = Buffer.from(JSON.stringify([period, one.accountId, "collector"])).toString("base64url");
      const refused = await t.env.bus
        .request(distribution.usageReport, { from, to, bucket: "day", cursor })
        .catch((e) => e);
      expect(refused).toMatchObject({ code: "validation_failed" });
      expect(JSON.stringify(refused)).toContain('"cursor"');
    }
  });
});

describe("distribution.usage.report per period", () => {
  it("totals every period of the range, those without use included, for a chart", async () => {
    const issued = await t.issue({ accumulatedUnits: -1, unitsPerExecution: -1 });
    await t.call("POST", "/v1/machines", {
      key: issued.licenseKey,
      body: { fingerprint: "period-machine-1" },
    });
    await report(issued.licenseKey, 4, "period-run-1");
    await report(issued.licenseKey, 6, "period-run-2");
    const now = t.clock.now();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const from = new Date(today - 2 * 86_400_000).toISOString();
    const to = new Date(today + 86_400_000).toISOString();
    const daily = await t.env.bus.request(distribution.usageReport, {
      from,
      to,
      bucket: "day",
      accountId: issued.accountId,
      limit: 1,
    });
    expect(daily.periods.map((p) => p.period)).toEqual(
      [2, 1, 0].map((n) => new Date(today - n * 86_400_000).toISOString().slice(0, 10)),
    );
    expect(daily.periods.slice(0, 2).every((p) => p.unitsConsumed === 0 && p.executions === 0)).toBe(true);
    expect(daily.periods[2]!.unitsConsumed).toBe(daily.totals.unitsConsumed);
    expect(daily.periods[2]!.executions).toBe(daily.totals.executions);
    expect(daily.periods[2]!.activeMachines).toBeGreaterThanOrEqual(1);
    // The periods cover the whole selection, not the page.
    expect(daily.items).toHaveLength(1);
    const whole = await t.env.bus.request(distribution.usageReport, {
      from,
      to,
      accountId: issued.accountId,
    });
    expect(whole.periods).toEqual([]);
    expect(whole.totals).toEqual(daily.totals);
  });

  it("refuses a range of more than 1,000 periods", async () => {
    const error = await t.env.bus
      .request(distribution.usageReport, {
        from: "2020-01-01T00:00:00Z",
        to: "2026-01-01T00:00:00Z",
        bucket: "day",
      })
      .catch((e) => e);
    expect(error.code).toBe("validation_failed");
    expect(error.details.issues[0].path).toBe("bucket");
    const weekly = await t.env.bus.request(distribution.usageReport, {
      from: "2020-01-01T00:00:00Z",
      to: "2026-01-01T00:00:00Z",
      bucket: "week",
      limit: 1,
    });
    expect(weekly.periods.length).toBeGreaterThan(300);
  });
});

describe("distribution.usage.summary", () => {
  it("gives the units of each of the last days and the machines and leases held now", async () => {
    const before = await t.env.bus.request(distribution.usageSummary, { days: 7 });
    expect(before.daily).toHaveLength(7);
    const issued = await t.issue({
      accumulatedUnits: -1,
      unitsPerExecution: -1,
      availableActivations: 5,
      seats: 2,
    });
    for (const fingerprint of ["summary-machine-1", "summary-machine-2"])
      await t.call("POST", "/v1/machines", { key: issued.licenseKey, body: { fingerprint } });
    await report(issued.licenseKey, 3, "summary-run-1");
    await report(issued.licenseKey, 4, "summary-run-2");
    const lease = await t.call("POST", "/v1/leases", {
      key: issued.licenseKey,
      body: { fingerprint: "summary-collector-1" },
    });
    expect(lease.statusCode).toBe(200);
    const after = await t.env.bus.request(distribution.usageSummary, { days: 7 });
    expect(after.unitsConsumed - before.unitsConsumed).toBe(7);
    expect(after.executions - before.executions).toBe(2);
    expect(after.activeMachines - before.activeMachines).toBe(2);
    expect(after.leasesHeld - before.leasesHeld).toBe(1);
    const today = after.daily.at(-1)!;
    expect(today.day).toBe(t.clock.now().toISOString().slice(0, 10));
    expect(today.unitsConsumed - before.daily.at(-1)!.unitsConsumed).toBe(7);
    expect(after.unitsConsumed).toBe(after.daily.reduce((sum, d) => sum + d.unitsConsumed, 0));
    expect(Date.parse(after.to) - Date.parse(after.from)).toBe(7 * 86_400_000);
    // Defaults to 30 days; the window is bounded.
    expect((await t.env.bus.request(distribution.usageSummary, {})).daily).toHaveLength(30);
    const bad = await t.env.bus.request(distribution.usageSummary, { days: 0 }).catch((e) => e);
    expect(bad.code).toBe("validation_failed");
  });
});
