import { execute, openDatabase, query } from "@licensing/platform";
import { createTestEnv, openAsBefore, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distributionDatabase } from "../src/database.ts";

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
      await execute(
        old,
        `insert into distribution.licenses (license_id, key_hash, account_id, state, state_at, serial, file, encrypted,
           products, kind, internal, start_date, end_date, available_activations, accumulated_units,
           units_per_execution, seats, fingerprint, execution_modes, change_seq, changed_at)
         values ('lic_1', 'hash-1', 'acc_1', 'active', now(), 1, 'file', false, '{collector}', 'commercial', false,
           '2024-01-01T00:00:00Z', null, -1, -1, -1, 0, null, null, nextval('distribution.license_changes'), now())`,
      );
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
