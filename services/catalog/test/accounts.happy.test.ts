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
});
