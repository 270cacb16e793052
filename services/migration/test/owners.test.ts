import type { Account } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import type { LegacyLicense } from "../src/mapping/index.ts";
import { companyDomain, matchOwners, normalizeCompany, OwnerBook, questionKeyOf } from "../src/run/owners.ts";

function license(
  source: string,
  ownerCompany: string,
  ownerEmail: string | null,
  extra: Partial<LegacyLicense> = {},
) {
  return {
    source,
    ownerCompany,
    ownerEmail,
    ownerName: "Pat",
    accountExternalId: null,
    ...extra,
  } as LegacyLicense;
}

function account(id: string, name: string, extra: Partial<Account> = {}): Account {
  return {
    id,
    type: "customer",
    name,
    externalId: null,
    country: null,
    contacts: [],
    salesOwner: null,
    notes: "",
    archived: false,
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}

describe("normalizeCompany", () => {
  it.each([
    ["Acme Corporation", "acme"],
    ["ACME Corp.", "acme"],
    ["  Acme   Corp ", "acme"],
    ["Initech S.A.", "initech"],
    ["Initech SA", "initech"],
    ["Soft Ikou K.K.", "soft ikou"],
    ["Société Générale de Logiciels", "societe generale de logiciels"],
    ["Müller & Söhne GmbH", "muller and sohne"],
    ["The Company", "the company"],
    ["Northwind 3 Limited", "northwind 3"],
  ])("%s → %s", (name, normal) => {
    expect(normalizeCompany(name)).toBe(normal);
  });
});

describe("companyDomain", () => {
  it("keeps company domains and ignores shared mail providers", () => {
    expect(companyDomain("Ana.Brown@ACME.example")).toBe("acme.example");
    expect(companyDomain("someone@gmail.com")).toBeNull();
    expect(companyDomain(null)).toBeNull();
    expect(companyDomain("no address")).toBeNull();
  });
});

describe("matchOwners", () => {
  function book(...licenses: LegacyLicense[]) {
    const owners = new OwnerBook();
    for (const l of licenses) owners.add(l);
    return owners.groups;
  }

  it("merges the same customer spelled three ways across sources, and matches its account", () => {
    const groups = book(
      license("studio", "Acme Corporation", "a@acme.example"),
      license("vbuc-cli", "ACME Corp.", "b@acme.example"),
      license("vbuc-sales", "Acme Corp  ", "c@ACME.example"),
    );
    expect(groups.size).toBe(1);
    expect(groups.get("acme")).toMatchObject({
      licenses: 3,
      sources: new Set(["studio", "vbuc-cli", "vbuc-sales"]),
    });
    const matched = matchOwners(groups, [account("acc_1", "ACME Corp")], new Map());
    expect(matched.resolutions.get("acme")).toEqual({ kind: "matched", accountId: "acc_1" });
    expect(matched.questions).toEqual([]);
  });

  it("creates an account for an owner nobody else resembles", () => {
    const matched = matchOwners(book(license("studio", "Northwind 3 Ltd.", "x@nw3.example")), [], new Map());
    expect(matched.resolutions.get("northwind 3")).toEqual({
      kind: "create",
      newKey: "northwind 3",
      groups: ["northwind 3"],
    });
  });

  it("matches by external id before the name", () => {
    const groups = book(license("studio", "Renamed Ltd", null, { accountExternalId: "CRM-9" }));
    const matched = matchOwners(groups, [account("acc_9", "Old Name", { externalId: "CRM-9" })], new Map());
    expect(matched.resolutions.get("renamed")).toEqual({ kind: "matched", accountId: "acc_9" });
  });

  it("asks rather than merges owners that share a company mail domain under other names, or a name one typo away", () => {
    const groups = book(
      license("studio", "Globex International", "a@globex.example"),
      license("vbuc-cli", "GLOBEX INTL", "b@globex.example"),
      license("vbuc-sales", "Northwind 3 Ltd", null),
      license("vbuc-sales", "Northwind 4 Ltd", null),
      license("studio", "Contoso", null),
      license("studio", "Contosso", null),
    );
    const matched = matchOwners(groups, [], new Map());
    const keys = matched.questions.map((q) => q.owners.map((o) => o.name).sort());
    expect(keys).toEqual([
      ["GLOBEX INTL", "Globex International"],
      ["Contoso", "Contosso"],
    ]);
    expect(matched.questions[0]!.reason).toContain("same e-mail domain");
    expect(matched.questions[1]!.reason).toContain("similar name");
    expect(matched.resolutions.get("globex intl")).toMatchObject({ kind: "awaiting" });
    // Numbers tell companies apart.
    expect(matched.resolutions.get("northwind 3")).toMatchObject({ kind: "create" });
  });

  it("asks when several accounts have the name, and follows the operator's decision", () => {
    const groups = book(license("studio", "Initech", "a@initech.example"));
    const accounts = [account("acc_a", "Initech"), account("acc_b", "INITECH S.A.")];
    const open = matchOwners(groups, accounts, new Map());
    expect(open.questions).toMatchObject([
      {
        reason: "several accounts have this name",
        candidates: [{ accountId: "acc_a" }, { accountId: "acc_b" }],
      },
    ]);
    const key = open.questions[0]!.key;
    expect(key).toBe(questionKeyOf(["initech"]));
    const decision = { decidedBy: "ada", decidedAt: "2026-12-03T00:00:00.000Z" };
    const merged = matchOwners(
      groups,
      accounts,
      new Map([[key, { ...decision, choice: "merge", accountId: "acc_b" }]]),
    );
    expect(merged.resolutions.get("initech")).toEqual({ kind: "matched", accountId: "acc_b" });
    const apart = matchOwners(
      groups,
      accounts,
      new Map([[key, { ...decision, choice: "separate", accountId: null }]]),
    );
    expect(apart.resolutions.get("initech")).toMatchObject({ kind: "create" });
  });
});
