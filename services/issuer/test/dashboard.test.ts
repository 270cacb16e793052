import { type Dashboard, issuer, type LicenseStatus } from "@licensing/contracts";
import { execute, query, queryOne } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExpiryRule } from "../src/domain/expiry.ts";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

const hour = 3_600_000;
const day = 24 * hour;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** The instant of local midnight `days` after today, in a zone `offsetMinutes` ahead of UTC. */
function localMidnight(days: number, offsetMinutes: number): number {
  const offset = offsetMinutes * 60_000;
  return (Math.floor((Date.now() + offset) / day) + days) * day - offset;
}

// Fixed-offset zones (no daylight saving), so the test can find their midnights by arithmetic.
describe.each([
  ["UTC", 0],
  ["Asia/Kolkata", 330],
  ["Etc/GMT+12", -720],
])("with license status days in %s", (zone, offsetMinutes) => {
  let under: IssuerUnderTest;

  beforeAll(async () => {
    under = await startIssuer({ defaultNotifyDays: 30, timeZone: zone });
    await under.product("collector", collectorProduct);
    await under.product("cockpit", { defaults: { durationDays: 30, seats: 5 } });
    const accounts = [
      await under.account({ name: "Big" }),
      await under.account({ name: "Medium" }),
      await under.account({ name: "Small" }),
    ];
    const create = async (accountIndex: number, parameters: Record<string, unknown>) =>
      (
        await under.env.bus.request(
          issuer.createLicense,
          {
            accountId: accounts[accountIndex]!.id,
            products: ["collector"],
            startDate: at(-400 * day),
            ...parameters,
          } as never,
          as(actors.licenseAdmin),
        )
      ).licenses[0]!.license.id;
    // Around every edge where a status or a horizon changes during a day.
    const ends: [number, number | null][] = [
      [-1 * hour, 30],
      [1 * hour, 0],
      [1 * hour, 30],
      [10 * day + hour, 10],
      [10 * day - hour, 10],
      [29 * day, null],
      [30 * day - hour, 30],
      [30 * day + hour, 30],
      [60 * day - hour, 5],
      [60 * day + hour, 5],
      [90 * day - hour, 0],
      [90 * day + hour, 0],
      [-400 * day + hour, 30],
      [45 * day, 60],
      [200 * day, null],
    ];
    // An hour either side of the local midnights at which a 10-day and a 0-day window open or end.
    const midnight = (days: number) => localMidnight(days, offsetMinutes) - Date.now();
    for (const [days, notifyDays] of [
      [10, 10],
      [11, 10],
      [0, 0],
      [1, 0],
      [2, 0],
    ] as const)
      ends.push([midnight(days) - hour, notifyDays], [midnight(days) + hour, notifyDays]);
    // Begun long ago, so each notice window fits within its license (the issuer refuses one that does not).
    for (const [i, [offset, notifyDays]] of ends.entries())
      await create(i % 3, { startDate: at(-500 * day), endDate: at(offset), notifyDays });
    await create(0, { endDate: null, products: ["cockpit"], kind: "test" });
    await create(0, { endDate: at(400 * day), internal: true, products: ["cockpit", "collector"] });
    const suspended = await create(1, { endDate: at(20 * day) });
    await under.env.bus.request(issuer.suspend, { id: suspended, reason: "check" }, as(actors.licenseAdmin));
    const revoked = await create(2, { endDate: at(5 * day) });
    await under.env.bus.request(issuer.revoke, { id: revoked, reason: "end" }, as(actors.licenseAdmin));
    const renewed = await create(0, { endDate: at(3 * day) });
    await under.env.bus.request(issuer.renew, { id: renewed, extendDays: 100 }, as(actors.licenseAdmin));
  });
  afterAll(() => under?.stop());

  /** The same figures, counted the slow way over every license: what the roll-ups must agree with. */
  async function oracle() {
    const em = under.orm.em.fork();
    const count = async (where: string) =>
      Number(
        (await queryOne<{ n: string }>(em, `select count(*) as n from issuer.licenses l where ${where}`))!.n,
      );
    const byStatus: Record<string, number> = {};
    for (const status of ["active", "expiring", "expired", "suspended", "revoked"] as LicenseStatus[])
      byStatus[status] = await count(new ExpiryRule(30, zone).statusCondition(status));
    const within = (days: number) =>
      count(`l.state = 'active' and l.end_date > now() and l.end_date <= now() + interval '${days} days'`);
    const perWeek = await query<{ week: string; n: string }>(
      em,
      `select to_char(date_trunc('week', (l.end_date at time zone 'UTC'))::date, 'YYYY-MM-DD') as week, count(*) as n
       from issuer.licenses l where l.state = 'active' and l.end_date > now()
         and (l.end_date at time zone 'UTC')::date < date_trunc('week', now() at time zone 'UTC')::date + 91 group by 1`,
    );
    const group = async (expr: string) =>
      Object.fromEntries(
        (
          await query<{ k: string; n: string }>(
            em,
            `select ${expr} as k, count(*) as n from issuer.licenses l group by 1`,
          )
        ).map((r) => [r.k, Number(r.n)]),
      );
    return {
      total: await count("true"),
      byStatus,
      byKind: await group("l.kind"),
      // Every product of a license, as the list filtered by product counts it.
      byProduct: Object.fromEntries(
        (
          await query<{ k: string; n: string }>(
            em,
            "select p as k, count(*) as n from issuer.licenses l, unnest(l.products) p group by 1",
          )
        ).map((r) => [r.k, Number(r.n)]),
      ),
      internal: await count("l.internal"),
      expiringWithin: { d30: await within(30), d60: await within(60), d90: await within(90) },
      expiringPerWeek: Object.fromEntries(perWeek.map((r) => [r.week, Number(r.n)])),
      topAccounts: await group("l.account_id"),
    };
  }

  const asRecord = (entries: { key: string; count: number }[]) =>
    Object.fromEntries(entries.map((e) => [e.key, e.count]));

  describe("dashboard figures", () => {
    let figures: Dashboard;

    it("agree with a count over every license, edges of every day included", async () => {
      figures = await under.env.bus.request(issuer.dashboard, {});
      const truth = await oracle();
      expect(figures.total).toBe(truth.total);
      expect(asRecord(figures.byStatus)).toEqual(truth.byStatus);
      expect(asRecord(figures.byKind)).toEqual(truth.byKind);
      expect(asRecord(figures.byProduct)).toEqual(truth.byProduct);
      expect(figures.internal).toBe(truth.internal);
      expect(figures.expiringWithin).toEqual(truth.expiringWithin);
      expect(
        Object.fromEntries(figures.expiringPerWeek.filter((w) => w.count > 0).map((w) => [w.week, w.count])),
      ).toEqual(truth.expiringPerWeek);
      expect(Object.fromEntries(figures.topAccounts.map((a) => [a.accountId, a.count]))).toEqual(
        truth.topAccounts,
      );
      expect(figures.topAccounts[0]!.accountName).toBe("Big");
    });

    it("count each license under every product it has, as the list filtered by product does", async () => {
      const listed = async (request: Record<string, unknown>) => {
        let n = 0;
        let cursor: string | undefined;
        do {
          const page = await under.env.bus.request(issuer.listLicenses, {
            limit: 1_000,
            ...request,
            ...(cursor ? { cursor } : {}),
          });
          n += page.items.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return n;
      };
      const check = async () => {
        const now = await under.env.bus.request(issuer.dashboard, {});
        expect(asRecord(now.byProduct).cockpit).toBeGreaterThan(0);
        for (const { key, count } of now.byProduct) expect(count).toBe(await listed({ product: key }));
        for (const { key, count } of now.byKind) expect(count).toBe(await listed({ kind: key }));
        expect(now.internal).toBe(await listed({ internal: true }));
        expect(now.total).toBe(await listed({}));
      };
      await check();
      // Folding the roll-ups keeps every product's count.
      await execute(under.orm, "select issuer.stats_compact()");
      await check();
    });

    it("counts today's issuance per day and per week, by kind", () => {
      const today = new Date().toISOString().slice(0, 10);
      expect(figures.issuedPerDay).toHaveLength(30);
      expect(figures.issuedPerDay.at(-1)).toEqual({ day: today, commercial: figures.total - 1, test: 1 });
      expect(figures.issuedPerWeek).toHaveLength(26);
      expect(figures.issuedPerWeek.at(-1)).toMatchObject({ commercial: figures.total - 1, test: 1 });
      expect(figures.expiringPerWeek).toHaveLength(13);
    });

    it("changes as soon as a license is created or changes state", async () => {
      const account = await under.account({ name: "Late" });
      const { licenses } = await under.env.bus.request(
        issuer.createLicense,
        // Begun two months ago, so the product's 30-day notice fits and the license is expiring.
        { accountId: account.id, products: ["collector"], startDate: at(-60 * day), endDate: at(5 * day) },
        as(actors.sales),
      );
      const after = await under.env.bus.request(issuer.dashboard, {});
      expect(after.total).toBe(figures.total + 1);
      expect(asRecord(after.byStatus).expiring).toBe(asRecord(figures.byStatus).expiring! + 1);
      await under.env.bus.request(
        issuer.revoke,
        { id: licenses[0]!.license.id, reason: "test" },
        as(actors.licenseAdmin),
      );
      const revoked = await under.env.bus.request(issuer.dashboard, {});
      expect(asRecord(revoked.byStatus).revoked).toBe(asRecord(figures.byStatus).revoked! + 1);
      expect(asRecord(revoked.byStatus)).toEqual((await oracle()).byStatus);
    });

    it("folds only the buckets that changed since the last fold", async () => {
      const em = under.orm.em.fork();
      const compact = () => execute(em, "select issuer.stats_compact()");
      const rows = async () =>
        new Set(
          (
            await query<{ row: string }>(
              em,
              `select 'end ' || id as row from issuer.stats_by_end union all
               select 'product ' || id from issuer.stats_by_product union all
               select 'created ' || id from issuer.stats_by_created union all
               select 'account ' || id from issuer.stats_by_account`,
            )
          ).map((r) => r.row),
        );
      await compact();
      const folded = await rows();
      expect(folded.size).toBeGreaterThan(20);
      // Nothing changed since: nothing is rewritten.
      await compact();
      expect(await rows()).toEqual(folded);

      const rewrittenBy = async (change: () => Promise<unknown>) => {
        const before = await rows();
        await change();
        await compact();
        const after = await rows();
        return [...before].filter((row) => !after.has(row));
      };
      // A license for a new account: the buckets of today's commercial licenses and of the
      // collector's, and its end day's if others share it. The account's first row is new.
      const account = await under.account({ name: "One more" });
      let licenseId = "";
      const created = await rewrittenBy(async () => {
        const { licenses } = await under.env.bus.request(
          issuer.createLicense,
          { accountId: account.id, products: ["collector"], startDate: at(-day), endDate: at(7 * day) },
          as(actors.sales),
        );
        licenseId = licenses[0]!.license.id;
      });
      expect(created.length).toBeGreaterThan(0);
      expect(created.length).toBeLessThanOrEqual(3);
      expect(created.filter((row) => row.startsWith("account "))).toEqual([]);
      // Renewed: only its old and new end days; no count by account, product or day moves.
      const renewed = await rewrittenBy(() =>
        under.env.bus.request(issuer.renew, { id: licenseId, extendDays: 30 }, as(actors.licenseAdmin)),
      );
      expect(renewed.length).toBeGreaterThan(0);
      expect(renewed.length).toBeLessThanOrEqual(2);
      expect(renewed.every((row) => row.startsWith("end "))).toBe(true);
      const now = await under.env.bus.request(issuer.dashboard, {});
      const truth = await oracle();
      expect(asRecord(now.byStatus)).toEqual(truth.byStatus);
      expect(now.total).toBe(Object.values(truth.byStatus).reduce((a, b) => a + b, 0));
    });
  });
});
