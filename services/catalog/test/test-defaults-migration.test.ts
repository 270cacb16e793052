import { execute, openDatabase, query } from "@licensing/platform";
import { createTestEnv, openAsBefore, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogDatabase } from "../src/database.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.stop());

describe("0002_test_defaults", () => {
  it("gives existing products test defaults: the built-in ones, or a test product's own duration and notice", async () => {
    const old = await openAsBefore(
      { ...catalogDatabase, url: env.databaseUrl, log: env.log },
      "platform_audit_log",
    );
    const insert = (code: string, notice: number, defaults: object) =>
      execute(
        old.em.fork(),
        `insert into catalog.products (code, name, execution_modes, custom_features, units_types, default_notify_days,
           defaults, version, created_at, updated_at)
         values ($1, $1, '[]', '[]', '[]', $2, $3, 1, now(), now())`,
        [code, notice, JSON.stringify(defaults)],
      );
    await insert("commercial", 30, { kind: "commercial", durationDays: 365 });
    await insert("trial", 5, { kind: "test", durationDays: 14 });
    await insert("short", 30, { kind: "test", durationDays: 10 });
    await insert("endless", 30, { kind: "test", durationDays: null });
    await old.close();

    const orm = await openDatabase({ ...catalogDatabase, url: env.databaseUrl, log: env.log });
    try {
      const rows = await query<{ code: string; test_defaults: unknown }>(
        orm.em.fork(),
        "select code, test_defaults from catalog.products order by code",
      );
      expect(rows).toEqual([
        { code: "commercial", test_defaults: { durationDays: 30, notifyDays: 7 } },
        { code: "endless", test_defaults: { durationDays: 30, notifyDays: 7 } },
        // The notice kept shorter than the license: a 10-day test with a 30-day notice warns after 1 day.
        { code: "short", test_defaults: { durationDays: 10, notifyDays: 9 } },
        { code: "trial", test_defaults: { durationDays: 14, notifyDays: 5 } },
      ]);
    } finally {
      await orm.close();
    }
  });
});
