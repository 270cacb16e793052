import {
  type Actor,
  catalog,
  issuer,
  type LicenseSummary,
  type ListLicensesRequest,
} from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
let acme: string;
let globex: string;
let all: LicenseSummary[];
let firstKey: string;

const day = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * day).toISOString();

beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  await under.product("cockpit");
  acme = (await under.account({ name: "Acme Corporation" })).id;
  globex = (await under.account({ name: "Globex" })).id;
  const create = (
    accountId: string,
    parameters: Record<string, unknown>,
    actor: Actor = actors.licenseAdmin,
  ) =>
    under.env.bus.request(
      issuer.createLicense,
      { accountId, products: ["collector"], ...parameters } as never,
      as(actor),
    );
  firstKey = (await create(acme, { startDate: at(-400), endDate: at(-30) })).licenses[0]!.licenseKey; // expired
  await create(acme, { startDate: at(-10), endDate: at(10) }); // expiring (30-day window)
  await create(acme, { startDate: at(-10), endDate: at(200), kind: "test" }, actors.support); // active test
  await create(globex, { products: ["cockpit"], endDate: null, internal: true }); // active, no end
  const suspended = (await create(globex, { startDate: at(-5), endDate: at(100) })).licenses[0]!.license.id;
  await under.env.bus.request(issuer.suspend, { id: suspended, reason: "review" }, as(actors.licenseAdmin));
  const revoked = (await create(globex, { startDate: at(-15), endDate: at(50), notifyDays: 60 })).licenses[0]!
    .license.id;
  await under.env.bus.request(issuer.revoke, { id: revoked, reason: "fraud" }, as(actors.licenseAdmin));
  await create(globex, { startDate: at(-15), endDate: at(50), notifyDays: 60 }); // expiring thanks to its own window
  all = (await under.env.bus.request(issuer.listLicenses, { limit: 100 })).items;
});
afterAll(() => under?.stop());

const list = async (request: ListLicensesRequest) =>
  (await under.env.bus.request(issuer.listLicenses, { limit: 100, ...request })).items;
const names = (items: LicenseSummary[]) => items.map((l) => `${l.accountName}/${l.status}`).sort();

describe("listing licenses", () => {
  it("lists every license, newest first, with its derived status", () => {
    expect(all).toHaveLength(7);
    expect(all.map((l) => l.createdAt)).toEqual([...all.map((l) => l.createdAt)].sort().reverse());
    expect(names(all)).toEqual([
      "Acme Corporation/active",
      "Acme Corporation/expired",
      "Acme Corporation/expiring",
      "Globex/active",
      "Globex/expiring",
      "Globex/revoked",
      "Globex/suspended",
    ]);
  });

  it("filters by every criterion", async () => {
    expect(await list({ accountId: acme })).toHaveLength(3);
    expect(await list({ product: "cockpit" })).toHaveLength(1);
    expect(names(await list({ kind: "test" }))).toEqual(["Acme Corporation/active"]);
    expect(names(await list({ internal: true }))).toEqual(["Globex/active"]);
    expect(names(await list({ status: ["expiring"] }))).toEqual([
      "Acme Corporation/expiring",
      "Globex/expiring",
    ]);
    expect(names(await list({ status: ["expired", "revoked", "suspended"] }))).toEqual([
      "Acme Corporation/expired",
      "Globex/revoked",
      "Globex/suspended",
    ]);
    expect(names(await list({ status: ["active"] }))).toEqual(["Acme Corporation/active", "Globex/active"]);
    expect(await list({ createdBy: "sue" })).toHaveLength(1);
    expect(await list({ createdBy: actors.licenseAdmin.id })).toHaveLength(6);
    expect(await list({ endFrom: at(0), endTo: at(60) })).toHaveLength(3);
    expect(await list({ createdFrom: at(-1), createdTo: at(1) })).toHaveLength(7);
    expect(await list({ createdFrom: at(1) })).toHaveLength(0);
  });

  it("counts what the list's filters match, with the same filters", async () => {
    const count = (request: Record<string, unknown>) => under.env.bus.request(issuer.countLicenses, request);
    expect(await count({})).toEqual({ count: 7, capped: false });
    expect(await count({ accountId: acme })).toEqual({ count: 3, capped: false });
    expect(await count({ status: ["expired", "revoked", "suspended"] })).toEqual({ count: 3, capped: false });
    expect(await count({ text: "corpor", kind: "test" })).toEqual({ count: 1, capped: false });
    expect(await count({ createdFrom: at(1) })).toEqual({ count: 0, capped: false });
    await expect(count({ sort: "endDate" })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("finds a license by its whole key, its last group, or part of the account name", async () => {
    const byKey = await list({ text: firstKey.toLowerCase().replaceAll("-", " ") });
    expect(byKey).toHaveLength(1);
    expect(byKey[0]!.status).toBe("expired");
    expect((await list({ text: firstKey.slice(-5) })).map((l) => l.keyHint)).toContain(firstKey.slice(-5));
    expect(await list({ text: "corpor" })).toHaveLength(3);
    expect(await list({ text: "nobody_here" })).toHaveLength(0);
  });

  it("sorts and pages without gaps or repeats, in every order", async () => {
    for (const sort of ["createdAt", "endDate", "accountName", "startDate"] as const) {
      for (const order of ["asc", "desc"] as const) {
        const whole = await list({ sort, order });
        const paged: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await under.env.bus.request(issuer.listLicenses, {
            sort,
            order,
            limit: 2,
            ...(cursor ? { cursor } : {}),
          });
          paged.push(...page.items.map((l) => l.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(paged).toEqual(whole.map((l) => l.id));
      }
    }
    const byEnd = await list({ sort: "endDate", order: "asc" });
    expect(byEnd.at(-1)!.endDate).toBeNull();
    const page = await under.env.bus.request(issuer.listLicenses, { sort: "endDate", limit: 2 });
    await expect(
      under.env.bus.request(issuer.listLicenses, { sort: "createdAt", cursor: page.nextCursor! }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "cursor" }] },
    });
  });

  it("puts licenses without an end last in both orders, and pages across that boundary", async () => {
    const initech = (await under.account({ name: "Initech" })).id;
    const ends = [at(30), null, at(10), null, at(20), null, null];
    for (const endDate of ends)
      await under.env.bus.request(
        issuer.createLicense,
        { accountId: initech, products: ["collector"], endDate },
        as(actors.licenseAdmin),
      );
    const dated = ends.filter((e): e is string => e !== null).sort();
    for (const order of ["asc", "desc"] as const) {
      const whole = await list({ accountId: initech, sort: "endDate", order });
      const expected = [...(order === "asc" ? dated : [...dated].reverse()), null, null, null, null];
      expect(whole.map((l) => l.endDate && new Date(l.endDate).toISOString())).toEqual(expected);
      // Open-ended licenses among themselves: by id, in the order asked.
      const open = whole.filter((l) => l.endDate === null).map((l) => l.id);
      expect(open).toEqual(order === "asc" ? [...open].sort() : [...open].sort().reverse());
      for (const limit of [1, 2, 3, 4]) {
        const paged: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await under.env.bus.request(issuer.listLicenses, {
            accountId: initech,
            sort: "endDate",
            order,
            limit,
            ...(cursor ? { cursor } : {}),
          });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          paged.push(...page.items.map((l) => l.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(paged).toEqual(whole.map((l) => l.id));
      }
    }
  });

  it("shows the account's current name once the catalog renames it", async () => {
    await under.env.bus.request(catalog.updateAccount, { id: acme, name: "Acme Industries" });
    const deadline = Date.now() + 5_000;
    while ((await list({ accountId: acme })).some((l) => l.accountName !== "Acme Industries")) {
      if (Date.now() > deadline) throw new Error("the rename did not reach the issuer");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const detail = await under.env.bus.request(issuer.getLicense, {
      id: (await list({ accountId: acme }))[0]!.id,
    });
    expect(detail).toMatchObject({ accountName: "Acme Industries", ownerCompany: "Acme Corporation" });
  });
});
