import { execute, type Orm, openDatabase, query } from "@licensing/platform";
import { createTestEnv, openAsBefore, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuerDatabase } from "../src/database.ts";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.stop());

describe("0009_stats_every_product", () => {
  it("counts the licenses issued before it under every one of their products", async () => {
    const old = await openAsBefore(
      { ...issuerDatabase, url: env.databaseUrl, log: env.log },
      "0008_account_name_statistics",
    );
    const insert = (orm: Orm, id: string, kind: string, products: string[]) =>
      query(
        orm.em.fork(),
        `insert into issuer.licenses (id, key_hash, key_hint, key_enc, account_id, account_name, kind, internal,
           license_type, products, product_names, units_type, accumulated_units, units_per_execution, start_date,
           end_date, available_activations, execution_modes, custom_features, seats, metadata,
           friendly_restrictions, owner_company, encrypted, state, serial, key_id, signed_at, date_issued,
           created_by, created_by_name, created_at, updated_at)
         values ($1, $2, 'ABCDE', '\\x00', 'acc_1', 'Acme', $3, false, 'subscription', $4::text[], $4::text[], 'executions',
           -1, -1, now(), null, 1, '{}', '{}', 0, '{}', '[]', 'Acme', false, 'active', 1, 'k1', now(), now(),
           'usr_1', 'ada', now(), now())`,
        [id, `hash-${id}`, kind, products],
      );
    await insert(old, "lic_a", "commercial", ["collector"]);
    await insert(old, "lic_b", "commercial", ["collector", "cockpit"]);
    await insert(old, "lic_c", "test", ["cockpit", "collector", "viewer"]);
    await old.close();

    const orm = await openDatabase({ ...issuerDatabase, url: env.databaseUrl, log: env.log });
    try {
      const em = orm.em.fork();
      const sums = async () =>
        query<{ product: string; main: boolean; kind: string; n: string }>(
          em,
          "select product, main, kind, sum(n)::text as n from issuer.stats_by_product group by 1, 2, 3 having sum(n) <> 0 order by 1, 2, 3",
        );
      const expected = [
        { product: "cockpit", main: false, kind: "commercial", n: "1" },
        { product: "cockpit", main: true, kind: "test", n: "1" },
        { product: "collector", main: false, kind: "test", n: "1" },
        { product: "collector", main: true, kind: "commercial", n: "2" },
        { product: "viewer", main: false, kind: "test", n: "1" },
      ];
      expect(await sums()).toEqual(expected);
      // The triggers keep counting every product of a change after it.
      await execute(em, "update issuer.licenses set products = '{viewer}' where id = 'lic_b'");
      await execute(em, "select issuer.stats_compact()");
      expect(await sums()).toEqual([
        { product: "cockpit", main: true, kind: "test", n: "1" },
        { product: "collector", main: false, kind: "test", n: "1" },
        { product: "collector", main: true, kind: "commercial", n: "1" },
        { product: "viewer", main: false, kind: "test", n: "1" },
        { product: "viewer", main: true, kind: "commercial", n: "1" },
      ]);
    } finally {
      await orm.close();
    }
  });
});
