import { type Actor, catalog } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

const alice: Actor = { id: "usr_alice", username: "alice", roles: ["sales"] };
const ctx = { requestId: "req_test", actor: alice };

let catalogService: CatalogUnderTest;
beforeAll(async () => {
  catalogService = await startCatalog();
});
afterAll(() => catalogService?.stop());

describe("accounts", () => {
  it("creates an account and returns it by id", async () => {
    const { bus } = catalogService.env;
    const created = await bus.request(
      catalog.createAccount,
      {
        type: "prospect",
        name: "Acme Corporation",
        externalId: "CRM-1",
        country: "fr",
        contacts: [{ name: "Wile E.", email: "wile@acme.test", role: "CTO" }],
        salesOwner: "alice",
      },
      { ctx },
    );
    expect(created).toMatchObject({
      type: "prospect",
      name: "Acme Corporation",
      country: "FR",
      archived: false,
      version: 1,
    });
    expect(created.id).toMatch(/^acc_/);
    const fetched = await bus.request(catalog.getAccount, { id: created.id });
    expect(fetched).toEqual(created);
  });

  it("updates, promotes, archives and restores", async () => {
    const { bus } = catalogService.env;
    const account = await bus.request(catalog.createAccount, { type: "prospect", name: "Globex" }, { ctx });
    const renamed = await bus.request(
      catalog.updateAccount,
      { id: account.id, name: "Globex Corporation", notes: "met at fair" },
      { ctx },
    );
    expect(renamed).toMatchObject({ name: "Globex Corporation", notes: "met at fair", version: 2 });
    const promoted = await bus.request(catalog.promoteAccount, { id: account.id }, { ctx });
    expect(promoted).toMatchObject({ type: "customer", version: 3 });
    const archived = await bus.request(catalog.archiveAccount, { id: account.id }, { ctx });
    expect(archived.archived).toBe(true);
    const restored = await bus.request(catalog.restoreAccount, { id: account.id }, { ctx });
    expect(restored.archived).toBe(false);
  });

  it("names accounts by id in one request, leaving out ids it does not know", async () => {
    const { bus } = catalogService.env;
    const a = await bus.request(catalog.createAccount, { type: "customer", name: "Named A" }, { ctx });
    const b = await bus.request(catalog.createAccount, { type: "prospect", name: "Named B" }, { ctx });
    const unknown = "acc_0000000000NOTTHERE";
    const { items } = await bus.request(catalog.accountNames, { ids: [a.id, unknown, b.id, a.id] });
    expect(items.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { id: a.id, name: "Named A" },
      { id: b.id, name: "Named B" },
    ]);
    await expect(
      bus.request(catalog.accountNames, { ids: Array.from({ length: 1_001 }, () => a.id) }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("answers many accounts by id in one request, leaving out ids it does not know", async () => {
    const { bus } = catalogService.env;
    const a = await bus.request(catalog.createAccount, { type: "customer", name: "Many A" }, { ctx });
    const b = await bus.request(catalog.createAccount, { type: "prospect", name: "Many B" }, { ctx });
    await bus.request(catalog.archiveAccount, { id: b.id }, { ctx });
    const unknown = "acc_0000000000NOTTHERE";
    const { items } = await bus.request(catalog.getAccounts, { ids: [a.id, unknown, b.id, a.id] });
    expect(items.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      await bus.request(catalog.getAccount, { id: a.id }),
      await bus.request(catalog.getAccount, { id: b.id }),
    ]);
    expect(items[1]!.archived).toBe(true);
    await expect(
      bus.request(catalog.getAccounts, { ids: Array.from({ length: 1_001 }, () => a.id) }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await expect(bus.request(catalog.getAccounts, { ids: ["prd_nope"] })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});
