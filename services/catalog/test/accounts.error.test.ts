import { catalog } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;
beforeAll(async () => {
  under = await startCatalog();
});
afterAll(() => under?.stop());

describe("account errors", () => {
  it("names every invalid field", async () => {
    const raw = await under.env.nc.request(
      `${under.env.prefix}.catalog.account.create`,
      JSON.stringify({
        type: "partner",
        name: " ",
        country: "France",
        contacts: [{ name: "A", email: "not-an-email" }],
      }),
    );
    const body = raw.json<{ code: string; details: { issues: { path: string }[] } }>();
    expect(body.code).toBe("validation_failed");
    expect(body.details.issues.map((i) => i.path).sort()).toEqual([
      "contacts.0.email",
      "country",
      "name",
      "type",
    ]);
  });

  it("answers not_found for an unknown account, and validation_failed for a malformed id", async () => {
    await expect(
      under.env.bus.request(catalog.getAccount, { id: "acc_01ZZZZZZZZZZZZZZZZZZZZZZZZ" }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(under.env.bus.request(catalog.getAccount, { id: "42" })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("refuses a second account with the same external id and keeps the first", async () => {
    const first = await under.env.bus.request(catalog.createAccount, {
      type: "customer",
      name: "First",
      externalId: "DUP-1",
    });
    await expect(
      under.env.bus.request(catalog.createAccount, { type: "customer", name: "Second", externalId: "DUP-1" }),
    ).rejects.toMatchObject({
      code: "already_exists",
    });
    const other = await under.env.bus.request(catalog.createAccount, { type: "customer", name: "Other" });
    await expect(
      under.env.bus.request(catalog.updateAccount, { id: other.id, externalId: "DUP-1" }),
    ).rejects.toMatchObject({ code: "already_exists" });
    expect(await under.env.bus.request(catalog.getAccount, { id: first.id })).toEqual(first);
  });

  it("refuses an update based on a stale version", async () => {
    const account = await under.env.bus.request(catalog.createAccount, {
      type: "customer",
      name: "Versioned",
    });
    await under.env.bus.request(catalog.updateAccount, {
      id: account.id,
      expectedVersion: 1,
      notes: "first",
    });
    await expect(
      under.env.bus.request(catalog.updateAccount, { id: account.id, expectedVersion: 1, notes: "second" }),
    ).rejects.toMatchObject({
      code: "conflict",
    });
    expect((await under.env.bus.request(catalog.getAccount, { id: account.id })).notes).toBe("first");
  });

  it("keeps concurrent edits from overwriting each other silently", async () => {
    const account = await under.env.bus.request(catalog.createAccount, {
      type: "customer",
      name: "Contended",
    });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        under.env.bus.request(catalog.updateAccount, {
          id: account.id,
          expectedVersion: 1,
          notes: `edit ${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "conflict" });
  });

  it("refuses to edit or promote an archived account, and to promote a customer", async () => {
    const prospect = await under.env.bus.request(catalog.createAccount, {
      type: "prospect",
      name: "Archived one",
    });
    await under.env.bus.request(catalog.archiveAccount, { id: prospect.id });
    await expect(
      under.env.bus.request(catalog.updateAccount, { id: prospect.id, name: "x" }),
    ).rejects.toMatchObject({ code: "account_archived" });
    await expect(under.env.bus.request(catalog.promoteAccount, { id: prospect.id })).rejects.toMatchObject({
      code: "account_archived",
    });
    const customer = await under.env.bus.request(catalog.createAccount, {
      type: "customer",
      name: "Already",
    });
    await expect(under.env.bus.request(catalog.promoteAccount, { id: customer.id })).rejects.toMatchObject({
      code: "invalid_state",
    });
  });
});
