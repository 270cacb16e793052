import { issuer } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
const ids: Record<string, string> = {};

// The digest of 2031-06-15 in Paris (UTC+2 then): the day runs from 2031-06-14T22:00Z to 2031-06-15T22:00Z.
beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  const account = await under.account({ name: "Expiring Co" });
  const licenses: [string, string, number | null][] = [
    ["day-before", "2031-06-14T21:59:00Z", 30],
    ["first-minute", "2031-06-14T22:00:00Z", 30],
    ["last-minute", "2031-06-15T21:59:00Z", 30],
    ["tomorrow", "2031-06-15T22:00:00Z", 30],
    ["window-edge-in", "2031-06-25T21:59:00Z", 10],
    ["window-edge-out", "2031-06-25T22:00:00Z", 10],
    ["default-in", "2031-07-15T08:00:00Z", null],
    ["default-out", "2031-07-16T08:00:00Z", null],
    ["no-notice-today", "2031-06-15T10:00:00Z", 0],
    ["no-notice-tomorrow", "2031-06-16T10:00:00Z", 0],
    ["suspended", "2031-06-20T10:00:00Z", 30],
  ];
  for (const [name, endDate, notifyDays] of licenses) {
    const { licenses: created } = await under.env.bus.request(
      issuer.createLicense,
      {
        accountId: account.id,
        products: ["collector"],
        startDate: "2031-01-01T00:00:00Z",
        endDate,
        notifyDays,
      },
      as(actors.licenseAdmin),
    );
    ids[created[0]!.license.id] = name;
  }
  const suspended = Object.entries(ids).find(([, name]) => name === "suspended")![0];
  await under.env.bus.request(issuer.suspend, { id: suspended, reason: "hold" }, as(actors.licenseAdmin));
});
afterAll(() => under?.stop());

async function digest(timeZone: string, limit = 100) {
  const rows: [string, number][] = [];
  let cursor: string | undefined;
  do {
    const page = await under.env.bus.request(issuer.expiring, {
      day: "2031-06-15",
      timeZone,
      defaultNotifyDays: 30,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    rows.push(...page.items.map((l): [string, number] => [ids[l.id]!, l.daysLeft]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

describe("licenses expiring around a day", () => {
  it("lists those ending that day and those whose notice window includes it, in the digest's zone", async () => {
    expect(await digest("Europe/Paris")).toEqual([
      ["first-minute", 0],
      ["no-notice-today", 0],
      ["last-minute", 0],
      ["tomorrow", 1],
      ["window-edge-in", 10],
      ["default-in", 30],
    ]);
  });

  it("moves the day's edges with the time zone", async () => {
    expect(await digest("UTC")).toEqual([
      ["no-notice-today", 0],
      ["last-minute", 0],
      ["tomorrow", 0],
      ["window-edge-in", 10],
      ["window-edge-out", 10],
      ["default-in", 30],
    ]);
  });

  it("pages through the same list", async () => {
    expect(await digest("Europe/Paris", 2)).toEqual(await digest("Europe/Paris"));
  });

  it("refuses an unknown time zone, naming the field", async () => {
    await expect(
      under.env.bus.request(issuer.expiring, {
        day: "2031-06-15",
        timeZone: "Mars/Olympus",
        defaultNotifyDays: 30,
      }),
    ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path: "timeZone" }] } });
  });
});
