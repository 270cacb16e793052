import { execute, openDatabase, query } from "@licensing/platform";
import { createTestEnv, openAsBefore, scratchDatabase, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distributionDatabase } from "../src/database.ts";
import { UsageRollup, utcHour } from "../src/domain/usage-rollup.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.stop());

describe("0012_usage_partitions", () => {
  it("moves every usage report into the partition of its month, none left in the default one", async () => {
    const old = await openAsBefore(
      { ...distributionDatabase, url: env.databaseUrl, log: env.log },
      "0011_receipts_received_at",
    );
    try {
      await insertLicense(old);
      await execute(
        old,
        `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, reported_at)
         select 'lic_1', 'run-' || n, n, 'acc_1', 'collector', at
         from unnest($1::timestamptz[]) with ordinality as r(at, n)`,
        [["2024-02-29T23:59:59.999Z", "2024-03-01T00:00:00Z", "2025-07-15T12:00:00Z", new Date()]],
      );
    } finally {
      await old.close();
    }
    const orm = await openDatabase({ ...distributionDatabase, url: env.databaseUrl, log: env.log });
    try {
      const placed = await query<{ part: string; n: number; units: string }>(
        orm,
        `select tableoid::regclass::text as part, count(*)::int as n, sum(units)::text as units
         from distribution.usage_reports group by 1 order by 1`,
      );
      const thisMonth = new Date().toISOString().slice(0, 7).replace("-", "");
      expect(placed).toEqual([
        { part: "distribution.usage_reports_p202402", n: 1, units: "1" },
        { part: "distribution.usage_reports_p202403", n: 1, units: "2" },
        { part: "distribution.usage_reports_p202507", n: 1, units: "3" },
        { part: `distribution.usage_reports_p${thisMonth}`, n: 1, units: "4" },
      ]);
    } finally {
      await orm.close();
    }
  });
});

describe("0013_usage_levels", () => {
  it("fills the coarser levels from the days rolled up and the key table from the detail, first report first", async () => {
    const scratch = await scratchDatabase(env.databaseUrl);
    const old = await openAsBefore(
      { ...distributionDatabase, url: scratch.url, log: env.log },
      "0012_usage_partitions",
    );
    try {
      await insertLicense(old);
      // A key twice, in two months (the old layout's key was unique within a month only).
      await execute(
        old,
        `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, reported_at)
         values ('lic_1', 'run-1', 4, 'acc_1', 'collector', '2024-02-29T10:00:00Z'),
                ('lic_1', 'run-1', 4, 'acc_1', 'collector', '2024-03-01T10:00:00Z'),
                ('lic_1', 'run-2', 6, 'acc_1', 'collector', '2024-03-01T11:00:00Z')`,
      );
      await execute(
        old,
        `insert into distribution.usage_daily (day, account_id, product, units, executions)
         values ('2024-01-30', 'acc_1', 'collector', 10, 2), ('2024-01-31', 'acc_1', 'collector', 20, 3),
                ('2024-01-31', 'acc_2', 'collector', 5, 1), ('2024-02-01', 'acc_1', 'cockpit', 7, 1)`,
      );
    } finally {
      await old.close();
    }
    const orm = await openDatabase({ ...distributionDatabase, url: scratch.url, log: env.log });
    try {
      expect(
        await query(
          orm,
          `select idempotency_key as key, units::int, reported_at = '2024-02-29T10:00:00Z' as first
           from distribution.usage_report_keys order by 1`,
        ),
      ).toEqual([
        { key: "run-1", units: 4, first: true },
        { key: "run-2", units: 6, first: false },
      ]);
      expect(
        await query(
          orm,
          `select to_char(day, 'YYYY-MM-DD') as day, product, units::int, executions::int
           from distribution.usage_daily_totals order by 1, 2`,
        ),
      ).toEqual([
        { day: "2024-01-30", product: "collector", units: 10, executions: 2 },
        { day: "2024-01-31", product: "collector", units: 25, executions: 4 },
        { day: "2024-02-01", product: "cockpit", units: 7, executions: 1 },
      ]);
      expect(
        await query(
          orm,
          `select to_char(month, 'YYYY-MM-DD') as month, account_id, product, units::int, executions::int
           from distribution.usage_monthly order by 1, 2, 3`,
        ),
      ).toEqual([
        { month: "2024-01-01", account_id: "acc_1", product: "collector", units: 30, executions: 5 },
        { month: "2024-01-01", account_id: "acc_2", product: "collector", units: 5, executions: 1 },
        { month: "2024-02-01", account_id: "acc_1", product: "cockpit", units: 7, executions: 1 },
      ]);
    } finally {
      await orm.close();
      await scratch.drop();
    }
  });
});

describe("0016_usage_hourly", () => {
  it("starts the hourly level empty, and the next rollup fills it from the detail kept, an hour a row", async () => {
    const scratch = await scratchDatabase(env.databaseUrl);
    const old = await openAsBefore(
      { ...distributionDatabase, url: scratch.url, log: env.log },
      "0015_machines_fewer_indexes",
    );
    try {
      await insertLicense(old);
      // Days rolled up to 2 March; detail kept from 1 March (the report of 29 February is past it).
      await execute(
        old,
        `insert into distribution.usage_rollup_state (id, closed_before, rolled_up_before, detail_from)
         values (1, '2024-03-02T00:00:00Z', '2024-03-02T00:00:00Z', '2024-03-01T00:00:00Z')`,
      );
      await execute(
        old,
        `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, reported_at)
         values ('lic_1', 'run-1', 9, 'acc_1', 'collector', '2024-02-29T10:00:00Z'),
                ('lic_1', 'run-2', 4, 'acc_1', 'collector', '2024-03-01T10:00:00Z'),
                ('lic_1', 'run-3', 1, 'acc_1', 'collector', '2024-03-01T10:59:59.999Z'),
                ('lic_1', 'run-4', 6, 'acc_1', 'collector', '2024-03-01T11:00:00Z')`,
      );
    } finally {
      await old.close();
    }
    const orm = await openDatabase({ ...distributionDatabase, url: scratch.url, log: env.log });
    try {
      const line = () =>
        query<{ hours: string }>(
          orm,
          "select hours_rolled_up_before::text as hours from distribution.usage_rollup_state",
        );
      expect(await line()).toEqual([{ hours: "-infinity" }]);
      const now = new Date();
      // A retention long enough to keep the detail of 2024.
      const rollup = new UsageRollup({ orm, log: env.log, now: () => now, retentionDays: 36_500 });
      expect(await rollup.run()).toMatchObject({ hoursRolledUp: 2, daysRolledUp: 0 });
      expect(
        await query(
          orm,
          `select to_char(hour at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as hour, account_id, product, units::int, executions::int
           from distribution.usage_hourly order by 1`,
        ),
      ).toEqual([
        { hour: "2024-03-01 10:00", account_id: "acc_1", product: "collector", units: 5, executions: 2 },
        { hour: "2024-03-01 11:00", account_id: "acc_1", product: "collector", units: 6, executions: 1 },
      ]);
      const closed = utcHour(new Date(now.getTime() - 5 * 60_000));
      const moved = await query<{ hours: Date }>(
        orm,
        "select hours_rolled_up_before as hours from distribution.usage_rollup_state",
      );
      expect(new Date(moved[0]!.hours).getTime()).toBe(closed.getTime());
    } finally {
      await orm.close();
      await scratch.drop();
    }
  });
});

/** The license the reports are made for, in a database at an older schema. */
function insertLicense(old: Parameters<typeof execute>[0]) {
  return execute(
    old,
    `insert into distribution.licenses (license_id, key_hash, account_id, state, state_at, serial, file, encrypted,
       products, kind, internal, start_date, end_date, available_activations, accumulated_units,
       units_per_execution, seats, fingerprint, execution_modes, change_seq, changed_at)
     values ('lic_1', 'hash-1', 'acc_1', 'active', now(), 1, 'file', false, '{collector}', 'commercial', false,
       '2024-01-01T00:00:00Z', null, -1, -1, -1, 0, null, null, nextval('distribution.license_changes'), now())`,
  );
}
