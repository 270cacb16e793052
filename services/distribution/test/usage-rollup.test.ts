// Usage data at fleet scale (docs/distribution.md, "Usage data"): monthly partitions, per-day
// rollups read in place of the detail, the retention, and idempotency across both. The tests run
// in order on one database and one clock, which they move: each takes the state the one before left.
import { distribution } from "@licensing/contracts";
import { query, queryOne } from "@licensing/platform";
import { register } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageRollup, utcDay, utcHour } from "../src/domain/usage-rollup.ts";
import { type DistributionUnderTest, type Issued, startDistribution } from "./distribution-harness.ts";

const dayMs = 86_400_000;
const hourMs = 3_600_000;

let t: DistributionUnderTest;
let license: Issued;
let other: Issued;
let start: Date;
beforeAll(async () => {
  t = await startDistribution();
  start = t.clock.now();
  license = await t.issue({ accumulatedUnits: -1, unitsPerExecution: -1 });
  other = await t.issue({ products: ["cockpit"], accumulatedUnits: -1, unitsPerExecution: -1 });
});
afterAll(() => t?.stop());

const report = (key: string, units: number, idempotencyKey: string) =>
  t.call("POST", "/v1/usage", { key, body: { units, idempotencyKey } });

/** Moves the clock to `hours` past midnight (UTC) `days` days after the first day. */
function moveTo(days: number, hours: number): void {
  const target = utcDay(start).getTime() + days * dayMs + hours * hourMs;
  t.clock.advance(target - t.clock.now().getTime());
}

const monthName = (at: Date) => `usage_reports_p${at.toISOString().slice(0, 7).replace("-", "")}`;
const partitions = async () =>
  (
    await query<{ name: string }>(
      t.orm,
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'distribution.usage_reports'::regclass order by 1`,
    )
  ).map((r) => r.name);

type Range = { from: number; to: number; bucket?: "day" | "week" | "month"; product?: string };

const reportOf = (range: Range, accountId: string | undefined, limit: number, cursor?: string) =>
  t.env.bus.request(distribution.usageReport, {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    ...(range.bucket ? { bucket: range.bucket } : {}),
    ...(range.product ? { product: range.product } : {}),
    ...(accountId ? { accountId } : {}),
    ...(cursor ? { cursor } : {}),
    limit,
  });

/** Every row of a report, walked a page of `limit` at a time. */
async function walk(range: Range, accountId: string | undefined, limit: number) {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await reportOf(range, accountId, limit, cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/**
 * What operators see: reports over whole days, unaligned ranges, whole months (every bucket, with
 * and without an account or a product), pages walked one row at a time; and the dashboard.
 */
async function figures(wholeDaysOnly = false) {
  const first = utcDay(start).getTime();
  const month = (m: number) => Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m, 1);
  const months = { from: month(-1), to: month(2) };
  const ranges: Range[] = [
    { from: first - dayMs, to: first + 40 * dayMs, bucket: "day" },
    { from: first - dayMs, to: first + 40 * dayMs, bucket: "week" },
    { from: first - dayMs, to: first + 40 * dayMs },
    { ...months, bucket: "month" },
    { ...months, bucket: "week" },
    { ...months, bucket: "day" },
    { ...months },
    { ...months, bucket: "month", product: "cockpit" },
    { ...months, product: "cockpit" },
    { from: first + 2 * hourMs, to: first + 2 * dayMs + 5 * hourMs },
    { from: first + 2 * hourMs, to: first + 2 * dayMs + 5 * hourMs, bucket: "day" },
    // Periods without use: none read, none listed, every period still in the chart.
    { from: first + 100 * dayMs, to: first + 110 * dayMs, bucket: "day" },
    // Bounds inside an hour: its part from the detail, the whole hours from usage_hourly.
    { from: first + 4.25 * hourMs, to: first + dayMs + 4.75 * hourMs },
    { from: first + 3.5 * hourMs, to: first + 2 * dayMs + 2.25 * hourMs, bucket: "day" },
  ];
  const reports = [];
  for (const range of wholeDaysOnly
    ? ranges.filter((r) => r.from % dayMs === 0 && r.to % dayMs === 0)
    : ranges)
    for (const accountId of [undefined, license.accountId]) {
      const whole = await reportOf(range, accountId, 1_000);
      // The same rows a page at a time: a page reads only the periods it needs.
      if (range.bucket) expect(await walk(range, accountId, 1)).toEqual(whole.items);
      // From when detail is kept is told apart (the retention test checks it): the figures are compared.
      const { detailFrom: _, ...figures } = whole;
      reports.push(figures);
    }
  const summary = await t.env.bus.request(distribution.usageSummary, { days: 60 });
  return { reports, summary: { ...summary, activeMachines: 0, leasesHeld: 0 } };
}

/** Every shape of report over the first month and the one before it, which the later tests leave alone. */
async function firstMonthFigures() {
  const month = (m: number) => Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m, 1);
  const reports = [];
  for (const bucket of [undefined, "day", "week", "month"] as const)
    for (const accountId of [undefined, license.accountId]) {
      const range = { from: month(-1), to: month(1), ...(bucket ? { bucket } : {}) };
      const { detailFrom: _, ...figures } = await reportOf(range, accountId, 1_000);
      reports.push(figures);
    }
  return reports;
}
/** The first month's figures from the detail alone, before anything was rolled up. */
let firstMonthFromDetail: Awaited<ReturnType<typeof firstMonthFigures>>;

describe("usage partitions", () => {
  it("are made for this month and the next two at start", async () => {
    const now = t.clock.now();
    const months = [0, 1, 2].map((m) =>
      monthName(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + m, 1))),
    );
    expect(await partitions()).toEqual(expect.arrayContaining([...months, "usage_reports_default"]));
  });

  it("keep a report from a clock far ahead in the default partition, then move it into its month's", async () => {
    moveTo(200, 12);
    expect((await report(license.licenseKey, 3, "far-ahead-0001")).statusCode).toBe(200);
    const at = t.clock.now();
    expect(await partitions()).not.toContain(monthName(at));
    const inDefault =
      "select count(*)::int as n from distribution.usage_reports_default where idempotency_key = $1";
    expect((await queryOne<{ n: number }>(t.orm, inDefault, ["far-ahead-0001"]))?.n).toBe(1);
    await query(t.orm, "select distribution.usage_partition_for($1)", [at]);
    expect(await partitions()).toContain(monthName(at));
    expect((await queryOne<{ n: number }>(t.orm, inDefault, ["far-ahead-0001"]))?.n).toBe(0);
    const moved = await queryOne<{ n: number }>(
      t.orm,
      `select count(*)::int as n from distribution.${monthName(at)} where idempotency_key = 'far-ahead-0001'`,
    );
    expect(moved?.n).toBe(1);
    moveTo(0, 1);
  });
});

describe("usage rollups", () => {
  it("give operators the same figures as the detail did, to the unit", async () => {
    moveTo(0, 3);
    await report(license.licenseKey, 10, "day-0-run-1");
    await report(license.licenseKey, 11, "day-0-run-2");
    await report(other.licenseKey, 5, "day-0-run-3");
    moveTo(1, 4);
    await report(license.licenseKey, 20, "day-1-run-1");
    await report(other.licenseKey, 7, "day-1-run-2");
    moveTo(1, 4.5);
    await report(other.licenseKey, 4, "day-1-run-3");
    moveTo(2, 2);
    await report(license.licenseKey, 30, "day-2-run-1");
    moveTo(2, 6);
    const before = await figures();
    firstMonthFromDetail = await firstMonthFigures();
    const ranAt = Date.now() / 1_000;
    const hoursCounted = async () =>
      (await register.getSingleMetric("lic_usage_hours_rolled_up_total")!.get()).values[0]?.value ?? 0;
    const hoursBefore = await hoursCounted();
    // The closed hours with detail (day 0 at 3, day 1 at 4, day 2 at 2), then the closed days.
    expect(await t.service.rollUpUsage()).toEqual({
      hoursRolledUp: 3,
      daysRolledUp: 2,
      partitionsDropped: 0,
    });
    const lastRun = (await register.getSingleMetric("lic_usage_rollup_last_run_timestamp_seconds")!.get())
      .values;
    expect(lastRun[0]?.value).toBeGreaterThanOrEqual(Math.floor(ranAt));
    expect((await hoursCounted()) - hoursBefore).toBe(3);
    const daily = await query<{ day: string; units: string }>(
      t.orm,
      "select to_char(day, 'YYYY-MM-DD') as day, sum(units) as units from distribution.usage_daily group by day order by day",
    );
    expect(daily.map((d) => Number(d.units))).toEqual([26, 31]);
    const hourly = await query<{ hour: string; units: string }>(
      t.orm,
      `select to_char(hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24') as hour, sum(units) as units
       from distribution.usage_hourly group by hour order by hour`,
    );
    const hourOf = (days: number, hours: number) =>
      new Date(utcDay(start).getTime() + days * dayMs + hours * hourMs).toISOString().slice(0, 13);
    expect(hourly).toEqual([
      { hour: hourOf(0, 3), units: "26" },
      { hour: hourOf(1, 4), units: "31" },
      { hour: hourOf(2, 2), units: "30" },
    ]);
    expect(await figures()).toEqual(before);
    const first = utcDay(start).getTime();
    // A range of periods without use: no row, every period listed at zero.
    const quiet = await reportOf(
      { from: first + 100 * dayMs, to: first + 110 * dayMs, bucket: "day" },
      undefined,
      5,
    );
    expect(quiet.items).toEqual([]);
    expect(quiet.nextCursor).toBeNull();
    expect(quiet.periods).toHaveLength(10);
    expect(quiet.periods.every((p) => p.executions === 0 && p.unitsConsumed === 0)).toBe(true);
    // A bound inside a day reads that day's whole hours from usage_hourly, not the detail.
    const midDay = { from: first + 4.25 * hourMs, to: first + dayMs + 5.5 * hourMs };
    const unitsOf = async () => (await reportOf(midDay, undefined, 10)).totals.unitsConsumed;
    const fromDetail = await unitsOf();
    const shift = (by: number) =>
      query(
        t.orm,
        "update distribution.usage_hourly set units = units + $1 where hour = $2 and account_id = $3 and product <> 'cockpit'",
        [by, new Date(first + dayMs + 4 * hourMs), license.accountId],
      );
    await shift(1_000);
    expect(await unitsOf()).toBe(fromDetail + 1_000);
    await shift(-1_000);
    // The first month is partly rolled up: its days from usage_daily, the rest from the detail.
    expect(await firstMonthFigures()).toEqual(firstMonthFromDetail);
    // Every level holds the days rolled up, and only those.
    const levels = await queryOne<{ daily: string; totals: string; monthly: string }>(
      t.orm,
      `select (select sum(units) from distribution.usage_daily)::text as daily,
         (select sum(units) from distribution.usage_daily_totals)::text as totals,
         (select sum(units) from distribution.usage_monthly)::text as monthly`,
    );
    expect(levels).toEqual({ daily: "57", totals: "57", monthly: "57" });
    // Nothing more is closed: a second run rolls up nothing.
    expect(await t.service.rollUpUsage()).toEqual({
      hoursRolledUp: 0,
      daysRolledUp: 0,
      partitionsDropped: 0,
    });
  });

  it("count a retried report once when its day is rolled up and when it crosses into another month", async () => {
    const before = await figures();
    const again = await report(license.licenseKey, 10, "day-0-run-1");
    expect(again.json()).toMatchObject({ duplicate: true });
    const nextMonth = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1, 1));
    moveTo((nextMonth.getTime() - utcDay(start).getTime()) / dayMs, 1);
    expect(monthName(t.clock.now())).not.toBe(monthName(start));
    expect((await report(license.licenseKey, 30, "day-2-run-1")).json()).toMatchObject({ duplicate: true });
    expect((await report(license.licenseKey, 20, "day-1-run-1")).json()).toMatchObject({ duplicate: true });
    expect((await report(license.licenseKey, 21, "day-1-run-1")).json().code).toBe("conflict");
    const after = await figures();
    expect(after.reports).toEqual(before.reports);
  });

  it("never count a report in an hour or a day already rolled up, when the clock is set back", async () => {
    await t.service.rollUpUsage();
    const closed = utcHour(new Date(t.clock.now().getTime() - 5 * 60_000));
    const first = utcDay(start).getTime();
    const whole = {
      from: new Date(first - dayMs).toISOString(),
      to: new Date(first + 60 * dayMs).toISOString(),
    };
    const before = await t.env.bus.request(distribution.usageReport, whole);
    moveTo(1, 12);
    expect((await report(license.licenseKey, 9, "set-back-0001")).statusCode).toBe(200);
    const row = await queryOne<{ at: number }>(
      t.orm,
      "select extract(epoch from reported_at)::float8 * 1000 as at from distribution.usage_reports where idempotency_key = 'set-back-0001'",
    );
    expect(row!.at).toBe(closed.getTime());
    const after = await t.env.bus.request(distribution.usageReport, whole);
    expect(after.totals.unitsConsumed).toBe(before.totals.unitsConsumed + 9);
    expect(after.totals.executions).toBe(before.totals.executions + 1);

    // Set back by minutes across an hour rolled up: the report lands in the first open hour.
    const nextMonth = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    const base = (nextMonth.getTime() - utcDay(start).getTime()) / dayMs;
    moveTo(base, 10.25);
    await t.service.rollUpUsage();
    const hourBefore = await reportOf(
      { from: nextMonth.getTime() + 9 * hourMs, to: nextMonth.getTime() + 10 * hourMs },
      undefined,
      10,
    );
    moveTo(base, 9.75);
    expect((await report(license.licenseKey, 2, "set-back-0002")).statusCode).toBe(200);
    const moved = await queryOne<{ at: number }>(
      t.orm,
      "select extract(epoch from reported_at)::float8 * 1000 as at from distribution.usage_reports where idempotency_key = 'set-back-0002'",
    );
    expect(moved!.at).toBe(nextMonth.getTime() + 10 * hourMs);
    const hourAfter = await reportOf(
      { from: nextMonth.getTime() + 9 * hourMs, to: nextMonth.getTime() + 10 * hourMs },
      undefined,
      10,
    );
    expect(hourAfter).toEqual(hourBefore);
  });

  it("run once when two runners start together, and leave nothing half-written when one is killed", async () => {
    const nextMonth = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    const base = (nextMonth.getTime() - utcDay(start).getTime()) / dayMs;
    for (const day of [1, 2, 3]) {
      moveTo(base + day, 3);
      await report(license.licenseKey, day, `runner-day-${day}`);
    }
    moveTo(base + 2, 9);
    const before = await figures();
    const runner = () =>
      new UsageRollup({ orm: t.orm, log: t.env.log, now: t.clock.now, retentionDays: 90 }).run();
    const both = await Promise.all([runner(), runner()]);
    expect(both.filter((r) => r === undefined)).toHaveLength(1);
    expect(both.find((r) => r !== undefined)?.daysRolledUp).toBe(2);
    expect(await figures()).toEqual(before);
    // The first month is now rolled up whole: read from usage_monthly, the figures of the detail.
    expect(await firstMonthFigures()).toEqual(firstMonthFromDetail);

    // Killed while it writes a day: the day stays in the detail, and the next run counts it once.
    moveTo(base + 3, 9);
    const beforeKill = await figures();
    expect(await killedWhileWriting("usage_daily", runner)).toBe("killed");
    expect(await figures()).toEqual(beforeKill);
    expect((await runner())?.daysRolledUp).toBe(1);
    expect(await figures()).toEqual(beforeKill);

    // Killed while it writes hours: they stay in the detail, and the next run sums them once.
    moveTo(base + 3, 10.5);
    await report(license.licenseKey, 4, "runner-hour-1");
    moveTo(base + 3, 12.5);
    const beforeHourKill = await figures();
    expect(await killedWhileWriting("usage_hourly", runner)).toBe("killed");
    expect(await figures()).toEqual(beforeHourKill);
    expect((await runner())?.hoursRolledUp).toBe(1);
    expect(await figures()).toEqual(beforeHourKill);
  });

  it("refuse a line edited by hand to fall inside an hour or a day", async () => {
    for (const column of ["closed_before", "hours_rolled_up_before", "rolled_up_before", "detail_from"]) {
      await expect(
        query(
          t.orm,
          `update distribution.usage_rollup_state set ${column} = ${column} + interval '30 minutes' where id = 1`,
        ),
        column,
      ).rejects.toMatchObject({ code: "23514" });
    }
    // A day's line moved by a whole hour is not on a day either.
    await expect(
      query(
        t.orm,
        "update distribution.usage_rollup_state set rolled_up_before = rolled_up_before + interval '1 hour'",
      ),
    ).rejects.toMatchObject({ code: "23514" });
  });
});

/**
 * Runs `runner` while `table` is locked, and kills its connection once its insert into the table
 * waits: what a rollup killed in that step leaves. Answers how the run ended.
 */
async function killedWhileWriting(table: string, runner: () => Promise<unknown>): Promise<string> {
  return t.orm.em.fork().transactional(async (em) => {
    await query(em, `lock table distribution.${table} in exclusive mode`);
    const running = runner();
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 25));
      pid = (
        await queryOne<{ pid: number }>(
          t.orm,
          `select pid from pg_stat_activity where wait_event_type = 'Lock' and query like $1`,
          [`%insert into distribution.${table}%`],
        )
      )?.pid;
    }
    expect(pid).toBeDefined();
    await query(t.orm, "select pg_terminate_backend($1)", [pid]);
    return running.then(
      () => "finished",
      () => "killed",
    );
  });
}

describe("usage detail past the retention", () => {
  it("is dropped by whole partitions once rolled up, the figures unchanged, a bound inside it refused", async () => {
    const before = await figures(true);
    const keepFrom = utcDay(t.clock.now()).getTime() - dayMs;
    const keys = async () =>
      (
        await query<{ key: string; old: boolean }>(
          t.orm,
          `select idempotency_key as key, reported_at < $1 as old from distribution.usage_report_keys
           where license_id = $2 order by idempotency_key`,
          [new Date(keepFrom), license.id],
        )
      ).map((k) => `${k.key}${k.old ? " (old)" : ""}`);
    expect(await keys()).toContain("day-0-run-1 (old)");
    const firstMonth = monthName(start);
    expect(await partitions()).toContain(firstMonth);
    const counts = await new UsageRollup({
      orm: t.orm,
      log: t.env.log,
      now: t.clock.now,
      retentionDays: 1,
    }).run();
    expect(counts?.partitionsDropped).toBe(1);
    // Keys past the retention are pruned; those of the last day are kept.
    expect((await keys()).filter((k) => k.endsWith("(old)"))).toEqual([]);
    expect(await keys()).toEqual(expect.arrayContaining(["runner-day-3"]));
    expect(await partitions()).not.toContain(firstMonth);
    // Whole days are answered from the rollups: the figures operators saw stay.
    expect(await figures(true)).toEqual(before);
    // A report says from when detail is kept, so an operator sees it before choosing a bound there.
    const told = await reportOf(
      { from: utcDay(start).getTime(), to: utcDay(start).getTime() + dayMs },
      undefined,
      1,
    );
    expect(told.detailFrom).toBe(new Date(keepFrom).toISOString());
    // A bound inside a day kept only per day cannot be answered exactly.
    const first = utcDay(start).getTime();
    const refused = await t.env.bus
      .request(distribution.usageReport, {
        from: new Date(first + 2 * hourMs).toISOString(),
        to: new Date(first + 2 * dayMs).toISOString(),
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "validation_failed" });
    expect(JSON.stringify(refused)).toContain('"from"');
    // The retry window is the retention: a key whose detail is gone counts again.
    expect((await report(license.licenseKey, 10, "day-0-run-1")).json()).toMatchObject({ duplicate: false });
  });
});

describe("usage report pages", () => {
  it("start at the first period with an active machine, even before any use", async () => {
    // Days past any the earlier tests reported in (the clock far ahead went to day 200).
    moveTo(300, 6);
    const activated = await t.call("POST", "/v1/machines", {
      key: license.licenseKey,
      body: { fingerprint: "page-start-machine", hostname: "pc" },
    });
    expect(activated.statusCode).toBe(201);
    moveTo(303, 6);
    await report(license.licenseKey, 5, "page-start-use");
    moveTo(306, 6);
    const day = (d: number) => utcDay(start).getTime() + d * dayMs;
    const range: Range = { from: day(298), to: day(306), bucket: "day" };
    const whole = await reportOf(range, undefined, 1_000);
    const dateOf = (d: number) => new Date(day(d)).toISOString().slice(0, 10);
    expect(whole.items.map((r) => [r.period, r.activeMachines, r.unitsConsumed])).toEqual([
      [dateOf(300), 1, 0],
      [dateOf(301), 1, 0],
      [dateOf(302), 1, 0],
      [dateOf(303), 1, 5],
      [dateOf(304), 1, 0],
      [dateOf(305), 1, 0],
    ]);
    expect(whole.periods).toHaveLength(8);
    expect(await walk(range, undefined, 1)).toEqual(whole.items);
    expect(await walk(range, undefined, 4)).toEqual(whole.items);
  });
});
