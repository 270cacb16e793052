import { catalog } from "@licensing/contracts";
import { execute, query } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;

beforeAll(async () => {
  under = await startCatalog();
  // 50,000 accounts with varied names, enough for the planner to prefer an index to a scan.
  await execute(
    under.orm.em.fork(),
    `
    insert into catalog.accounts (id, type, name, contacts, notes, archived, version, created_at, updated_at)
    select 'acc_' || lpad(i::text, 26, '0'), 'customer',
           (array['Acme','Globex','Initech','Umbrella','Hooli','Vandelay','Soylent','Tyrell'])[1 + i % 8] || ' ' || md5(i::text),
           '[]', '', false, 1, now(), now()
    from generate_series(1, 50000) as i`,
  );
  await execute(under.orm.em.fork(), "analyze catalog.accounts");
});
afterAll(() => under?.stop());

async function plan(sql: string): Promise<string> {
  const rows = await query<{ "QUERY PLAN": string }>(under.orm.em.fork(), `explain ${sql}`);
  return rows.map((row) => row["QUERY PLAN"]).join("\n");
}

describe("account search at scale", () => {
  it("finds a typo'd name among 50,000 through the trigram index, not a scan", async () => {
    const typo = await plan(
      `select id from catalog.accounts a where catalog.search_text('vandlay') operator(public.<%) a.search_name`,
    );
    expect(typo).toMatch(/Bitmap Index Scan on accounts_name_trigrams/);
    expect(typo).not.toMatch(/Seq Scan/);
    const contains = await plan(
      `select id from catalog.accounts a where a.search_name like '%' || catalog.search_text('hooli 1f') || '%'`,
    );
    expect(contains).toMatch(/accounts_name_trigrams/);
    expect(contains).not.toMatch(/Seq Scan/);
  });

  it("pages the whole list by name through the btree index", async () => {
    const page = await plan(
      `select id from catalog.accounts a where (a.search_name, a.id) > ('m', '') order by a.search_name, a.id limit 51`,
    );
    expect(page).toMatch(/Index (Only )?Scan using accounts_by_name/);
  });

  it("counts matches up to 10,000, saying when more match", async () => {
    const count = (request: Record<string, unknown>) => under.env.bus.request(catalog.countAccounts, request);
    expect(await count({})).toEqual({ count: 10_000, capped: true });
    // The typo finds the Vandelays among the trigram matches, as the search does, counted whole.
    const typo = await count({ query: "vandlay" });
    expect(typo.capped).toBe(false);
    expect(typo.count).toBeGreaterThanOrEqual(6_250);
    expect(await count({ query: "nobody at all here" })).toEqual({ count: 0, capped: false });
    expect(await count({ type: "prospect" })).toEqual({ count: 0, capped: false });
  });

  it("answers a search over the bus", async () => {
    const found = await under.env.bus.request(catalog.searchAccounts, { query: "vandlay", limit: 5 });
    expect(found.items).toHaveLength(5);
    expect(found.items.every((a) => a.name.startsWith("Vandelay"))).toBe(true);
  });
});
