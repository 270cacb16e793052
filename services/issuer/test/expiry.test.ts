import { issuer, type LicenseStatus } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExpiryRule } from "../src/domain/expiry.ts";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const active = (endDate: string | null, notifyDays: number | null) => ({
  state: "active" as const,
  endDate: endDate === null ? null : new Date(endDate),
  notifyDays,
});
const statusAt = (rule: ExpiryRule, license: ReturnType<typeof active>, now: string) =>
  rule.status(license, new Date(now));

describe("the expiry rule", () => {
  it("is expiring from 00:00 of the day n days before the end's day, to the end (UTC)", () => {
    const rule = new ExpiryRule(30);
    const license = active("2031-06-25T10:00:00Z", 10);
    expect(statusAt(rule, license, "2031-06-14T23:59:59.999Z")).toBe("active");
    expect(statusAt(rule, license, "2031-06-15T00:00:00Z")).toBe("expiring");
    expect(statusAt(rule, license, "2031-06-25T09:59:59.999Z")).toBe("expiring");
    expect(statusAt(rule, license, "2031-06-25T10:00:00Z")).toBe("expired");
    // An hour after or before midnight moves the end's day, and so the day the window opens.
    expect(statusAt(rule, active("2031-06-25T00:30:00Z", 10), "2031-06-15T00:00:00Z")).toBe("expiring");
    expect(statusAt(rule, active("2031-06-25T00:30:00Z", 10), "2031-06-14T23:30:00Z")).toBe("active");
    expect(statusAt(rule, active("2031-06-24T23:30:00Z", 10), "2031-06-14T00:00:00Z")).toBe("expiring");
    expect(statusAt(rule, active("2031-06-24T23:30:00Z", 10), "2031-06-13T23:59:00Z")).toBe("active");
  });

  it("with a window of 0, is expiring on the end's day only", () => {
    const rule = new ExpiryRule(30);
    const license = active("2031-06-25T10:00:00Z", 0);
    expect(statusAt(rule, license, "2031-06-24T23:59:59Z")).toBe("active");
    expect(statusAt(rule, license, "2031-06-25T00:00:00Z")).toBe("expiring");
    expect(statusAt(rule, license, "2031-06-25T10:00:00Z")).toBe("expired");
    // Ending at midnight: its day has no time before the end, so it goes from active to expired.
    const atMidnight = active("2031-06-25T00:00:00Z", 0);
    expect(statusAt(rule, atMidnight, "2031-06-24T23:59:59Z")).toBe("active");
    expect(statusAt(rule, atMidnight, "2031-06-25T00:00:00Z")).toBe("expired");
  });

  it("uses the default window for a license that sets none, and never expires an open end", () => {
    const rule = new ExpiryRule(3);
    expect(statusAt(rule, active("2031-06-25T10:00:00Z", null), "2031-06-22T00:00:00Z")).toBe("expiring");
    expect(statusAt(rule, active("2031-06-25T10:00:00Z", null), "2031-06-21T23:00:00Z")).toBe("active");
    expect(statusAt(rule, active(null, 10), "2999-01-01T00:00:00Z")).toBe("active");
    expect(rule.status({ state: "suspended", endDate: new Date(0), notifyDays: 0 }, new Date())).toBe(
      "suspended",
    );
  });

  it("counts the days in its zone", () => {
    // Paris is UTC+2 in June: 2031-06-25T22:30Z is 00:30 on the 26th there.
    const paris = new ExpiryRule(30, "Europe/Paris");
    const license = active("2031-06-25T22:30:00Z", 10);
    expect(statusAt(paris, license, "2031-06-15T21:59:00Z")).toBe("active");
    expect(statusAt(paris, license, "2031-06-15T22:00:00Z")).toBe("expiring");
    expect(statusAt(new ExpiryRule(30), license, "2031-06-15T00:00:00Z")).toBe("expiring");
    // UTC-12: local midnight is noon UTC.
    const west = new ExpiryRule(30, "Etc/GMT+12");
    expect(statusAt(west, active("2031-06-25T11:00:00Z", 0), "2031-06-24T11:59:00Z")).toBe("active");
    expect(statusAt(west, active("2031-06-25T11:00:00Z", 0), "2031-06-24T12:00:00Z")).toBe("expiring");
  });

  it("refuses a zone that is not an IANA zone", () => {
    expect(() => new ExpiryRule(30, "Mars/Olympus")).toThrow(RangeError);
    expect(() => new ExpiryRule(30, "UTC'; drop table x; --")).toThrow(RangeError);
  });
});

describe("the rule in SQL", () => {
  let env: TestEnv;
  let client: pg.Client;
  beforeAll(async () => {
    env = await createTestEnv();
    client = new pg.Client({ connectionString: env.databaseUrl });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await env?.stop();
  });

  it("gives every license the status the code gives it, around every midnight, in any zone", async () => {
    for (const zone of ["UTC", "Europe/Paris", "Etc/GMT+12", "Asia/Kolkata", "America/St_Johns"]) {
      const rule = new ExpiryRule(3, zone);
      await client.query("begin");
      try {
        // now() stays the same for the whole transaction.
        const { rows } = await client.query<{ now: Date }>("select now() as now");
        const now = rows[0]!.now;
        const ids: string[] = [];
        const ends: string[] = [];
        const notices: (number | null)[] = [];
        for (const notifyDays of [0, 1, 10, null])
          for (let k = -5; k < 400; k++) {
            ids.push(`${notifyDays}/${k}`);
            ends.push(new Date(now.getTime() + k * 47 * minute).toISOString());
            notices.push(notifyDays);
          }
        for (const status of ["active", "expiring", "expired"] as LicenseStatus[]) {
          const found = await client.query<{ id: string }>(
            `select l.id from unnest($1::text[], $2::timestamptz[], $3::int[]) as l(id, end_date, notify_days)
             cross join lateral (select 'active'::text as state) s
             where ${rule.statusCondition(status).replaceAll("l.state", "s.state")}`,
            [ids, ends, notices],
          );
          const expected = ids.filter(
            (_, i) =>
              rule.status({ state: "active", endDate: new Date(ends[i]!), notifyDays: notices[i]! }, now) ===
              status,
          );
          expect(found.rows.map((r) => r.id).sort(), `${zone}: ${status}`).toEqual(expected.sort());
        }
      } finally {
        await client.query("rollback");
      }
    }
  });
});

/** Today's date in `timeZone`. */
function localToday(timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

describe("the digest and the status", () => {
  const zone = "Etc/GMT+12"; // UTC-12: its days differ from UTC's for half of every day
  let under: IssuerUnderTest;
  beforeAll(async () => {
    under = await startIssuer({ timeZone: zone, defaultNotifyDays: 7 });
    await under.product("collector", collectorProduct);
    const account = await under.account({ name: "Edge Co" });
    const midnightUtcMinus12 = (days: number) =>
      (Math.floor((Date.now() - 12 * hour) / day) + days) * day + 12 * hour;
    const ends: number[] = [Date.now() - hour, Date.now() + hour];
    for (const days of [0, 1, 2, 7, 8, 10, 11, 12])
      ends.push(midnightUtcMinus12(days) - hour, midnightUtcMinus12(days) + hour);
    for (const end of ends)
      for (const notifyDays of [0, 10, null])
        await under.env.bus.request(
          issuer.createLicense,
          {
            accountId: account.id,
            products: ["collector"],
            startDate: new Date(Date.now() - 30 * day).toISOString(),
            endDate: new Date(end).toISOString(),
            notifyDays,
          },
          as(actors.licenseAdmin),
        );
  });
  afterAll(() => under?.stop());

  it("lists in today's digest exactly the licenses that are expiring, and those that ended today", async () => {
    for (;;) {
      const today = localToday(zone);
      const digest = await under.env.bus.request(issuer.expiring, {
        day: today,
        timeZone: zone,
        defaultNotifyDays: 7,
        limit: 1_000,
      });
      const expiring = await under.env.bus.request(issuer.listLicenses, {
        status: ["expiring"],
        limit: 1_000,
      });
      if (localToday(zone) !== today) continue; // midnight passed meanwhile: look again
      expect(digest.items.length).toBeGreaterThan(0);
      for (const row of digest.items) {
        expect(["expiring", "expired"]).toContain(row.status);
        if (row.status === "expired") expect(row.daysLeft).toBe(0);
        else expect(row.daysLeft).toBeLessThanOrEqual(row.notifyDays ?? 7);
      }
      expect(
        digest.items
          .filter((row) => row.status === "expiring")
          .map((row) => row.id)
          .sort(),
      ).toEqual(expiring.items.map((l) => l.id).sort());
      return;
    }
  });
});
