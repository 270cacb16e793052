import { catalog } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;
beforeAll(async () => {
  under = await startCatalog();
});
afterAll(() => under?.stop());

const importCsv = (csv: string, dryRun = false) =>
  under.env.bus.request(catalog.importAccounts, { csv, dryRun });
const countAccounts = async () =>
  (await under.env.bus.request(catalog.searchAccounts, { limit: 500, includeArchived: true })).items.length;

const crmExport = [
  "Account ID,Account Name,Type,Country,Owner,Contact Name,Contact Email,Contact Role",
  "CRM-100,Northwind Traders,customer,US,alice,Nancy Davolio,nancy@northwind.test,Buyer",
  'CRM-101,"Contoso, Ltd",prospect,GB,bob,,,',
  "CRM-102,,customer,FR,,,,",
  "CRM-103,Fabrikam,partner,DE,,,,",
  "CRM-104,Tailspin Toys,customer,Germany,,,,",
  "CRM-105,Wide World Importers,customer,NL,,Jane,not-an-email,",
  "CRM-100,Northwind Again,customer,US,,,,",
  ",No Id Inc,customer,US,,,,",
].join("\n");

describe("account import", () => {
  it("previews without changing anything", async () => {
    const preview = await importCsv(crmExport, true);
    expect(preview).toMatchObject({ dryRun: true, created: 2, updated: 0, rejected: 6 });
    expect(await countAccounts()).toBe(0);
  });

  it("creates the good rows and reports each bad one with its row number and reason", async () => {
    const report = await importCsv(crmExport);
    expect(report).toMatchObject({ dryRun: false, created: 2, updated: 0, unchanged: 0, rejected: 6 });
    const byRow = Object.fromEntries(report.rows.map((r) => [r.row, r]));
    expect(byRow[2]).toMatchObject({
      outcome: "created",
      externalId: "CRM-100",
      accountId: expect.stringMatching(/^acc_/),
    });
    expect(byRow[3]).toMatchObject({ outcome: "created", name: "Contoso, Ltd" });
    expect(byRow[4]).toMatchObject({ outcome: "rejected", reason: "name is empty" });
    expect(byRow[5]?.reason).toMatch(/partner/);
    expect(byRow[6]?.reason).toMatch(/country "Germany"/);
    expect(byRow[7]?.reason).toMatch(/contact: email/);
    expect(byRow[8]?.reason).toMatch(/already appears in row 2/);
    expect(byRow[9]?.reason).toMatch(/external id is empty/);
    const northwind = await under.env.bus.request(catalog.getAccount, { id: byRow[2]!.accountId! });
    expect(northwind).toMatchObject({
      type: "customer",
      country: "US",
      salesOwner: "alice",
      contacts: [{ name: "Nancy Davolio", email: "nancy@northwind.test", role: "Buyer" }],
    });
  });

  it("changes nothing when the same file is imported again", async () => {
    const again = await importCsv(crmExport);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 6 });
    expect(await countAccounts()).toBe(2);
  });

  it("updates accounts matched by external id, promotes prospects and never demotes customers", async () => {
    const csv = [
      "external_id;name;type;notes;contact_email;contact_name",
      "CRM-100;Northwind Traders;prospect;key account;bill@northwind.test;Bill",
      "CRM-101;Contoso Ltd;customer;;;",
    ].join("\r\n");
    const report = await importCsv(csv);
    expect(report).toMatchObject({ created: 0, updated: 2, rejected: 0 });
    const [northwind, contoso] = await Promise.all(
      report.rows.map((r) => under.env.bus.request(catalog.getAccount, { id: r.accountId! })),
    );
    expect(northwind).toMatchObject({ type: "customer", notes: "key account", version: 2 });
    expect(northwind?.contacts.map((c) => c.email)).toEqual(["nancy@northwind.test", "bill@northwind.test"]);
    expect(contoso).toMatchObject({ type: "customer", name: "Contoso Ltd" });
  });

  it("refuses a malformed file whole and changes nothing", async () => {
    const before = await countAccounts();
    const unbalanced = 'external id,name\nCRM-200,Good Row\nCRM-201,"Broken\nCRM-202,Another';
    await expect(importCsv(unbalanced)).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/not valid CSV/),
    });
    await expect(importCsv("name,country\nAcme,FR")).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/external id/),
    });
    await expect(importCsv("external id,name\n")).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/no data rows/),
    });
    await expect(importCsv("external id,name\nA,B,C\n")).rejects.toMatchObject({ code: "validation_failed" });
    expect(await countAccounts()).toBe(before);
  });
});
