import { catalog } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;
const names = [
  "Acme Corporation",
  "Acmé Industries",
  "Globex Corporation",
  "Initech",
  "Umbrella Corp",
  "Soylent",
  "Stark Industries",
  "Wayne Enterprises",
];

beforeAll(async () => {
  under = await startCatalog();
  for (const [i, name] of names.entries()) {
    await under.env.bus.request(catalog.createAccount, {
      type: i % 2 === 0 ? "customer" : "prospect",
      name,
      externalId: `EXT-${i}`,
    });
  }
  const hidden = await under.env.bus.request(catalog.createAccount, {
    type: "customer",
    name: "Acme Archived",
  });
  await under.env.bus.request(catalog.archiveAccount, { id: hidden.id });
});
afterAll(() => under?.stop());

const search = (request: Parameters<typeof under.env.bus.request<typeof catalog.searchAccounts>>[1]) =>
  under.env.bus.request(catalog.searchAccounts, request);

describe("account search", () => {
  it("lists every account by name, a page at a time", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
  });

  it("finds names despite typos, accents and case", async () => {
    expect((await search({ query: "acne" })).items.map((a) => a.name)).toEqual(
      expect.arrayContaining(["Acme Corporation", "Acmé Industries"]),
    );
    expect((await search({ query: "globx" })).items[0]?.name).toBe("Globex Corporation");
    expect(
      (await search({ query: "ACME" })).items
        .map((a) => a.name)
        .slice(0, 2)
        .sort(),
    ).toEqual(["Acme Corporation", "Acmé Industries"]);
    expect((await search({ query: "industries" })).items.map((a) => a.name).sort()).toEqual([
      "Acmé Industries",
      "Stark Industries",
    ]);
    expect((await search({ query: "zzzzqqq" })).items).toEqual([]);
  });

  it("ranks a name containing the query above a merely similar one", async () => {
    const page = await search({ query: "corp" });
    const ranked = page.items.map((a) => a.name);
    expect(ranked.slice(0, 3).sort()).toEqual(["Acme Corporation", "Globex Corporation", "Umbrella Corp"]);
  });

  it("pages through relevance-ranked results without repeats", async () => {
    const all = (await search({ query: "corp", limit: 100 })).items.map((a) => a.id);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search({ query: "corp", limit: 1, ...(cursor ? { cursor } : {}) });
      paged.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
  });

  it("matches an exact external id, filters by type and hides archived accounts unless asked", async () => {
    expect((await search({ query: "EXT-3" })).items.map((a) => a.name)).toContain("Initech");
    expect((await search({ type: "prospect", limit: 100 })).items.every((a) => a.type === "prospect")).toBe(
      true,
    );
    expect((await search({ query: "acme archived" })).items.map((a) => a.name)).not.toContain(
      "Acme Archived",
    );
    expect((await search({ query: "acme archived", includeArchived: true })).items[0]?.name).toBe(
      "Acme Archived",
    );
  });

  it("counts what the search's filters match", async () => {
    const count = (request: Record<string, unknown>) => under.env.bus.request(catalog.countAccounts, request);
    const listed = async (request: Record<string, unknown>) =>
      (await search({ ...request, limit: 500 })).items.length;
    for (const request of [
      {},
      { query: "acme" },
      { query: "EXT-3" },
      { type: "prospect" },
      { includeArchived: true },
    ])
      expect(await count(request), JSON.stringify(request)).toEqual({
        count: await listed(request),
        capped: false,
      });
    await expect(count({ limit: 5 })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("refuses a cursor it did not make", async () => {
    await expect(search({ cursor: "garbage" })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "cursor" }] },
    });
  });
});
