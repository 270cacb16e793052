// The digest's rows and columns, end to end: licenses created through the issuer, the digest due in
// Europe/Paris, sent by the notifier's own schedule to a real SMTP server, parsed back.
import { issuer, notifier } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localDate } from "../src/domain/schedule.ts";
import { actors, as, type Platform, patience, startPlatform } from "./notifier-harness.ts";
import type { CaughtMessage } from "./smtp-sink.ts";

// The digest of 2031-06-15, at 07:30 in Paris (UTC+2 then): 05:30Z. Paris's day runs from
// 2031-06-14T22:00Z to 2031-06-15T22:00Z.
const sendAt = "2031-06-15T05:30:00Z";
let platform: Platform;
const created = new Map<string, string>(); // name → license id
let createdDay: string;
let mail: CaughtMessage;

beforeAll(async () => {
  platform = await startPlatform({ clock: "2031-06-15T05:00:00Z" });
  const acme = await platform.account("Acme Corp");
  const tricky = await platform.account(`Smith & <Sons> "Ltd"`);
  const seeded: [string, string, Record<string, unknown>, (typeof actors)[keyof typeof actors]?][] = [
    ["day-before", acme.id, { endDate: "2031-06-14T21:59:00Z", notifyDays: 30 }],
    ["midnight", acme.id, { endDate: "2031-06-14T22:00:00Z", notifyDays: 30 }],
    ["morning", tricky.id, { endDate: "2031-06-15T05:00:00Z", notifyDays: 0 }, actors.sam],
    ["evening", acme.id, { endDate: "2031-06-15T21:59:00Z", notifyDays: 30 }],
    ["tomorrow", acme.id, { endDate: "2031-06-15T22:00:00Z", notifyDays: 1 }],
    [
      "fleet",
      acme.id,
      {
        products: ["cockpit", "collector"],
        kind: "test",
        internal: true,
        seats: 10,
        availableActivations: -1,
        endDate: "2031-06-18T08:00:00Z",
        notifyDays: 30,
      },
    ],
    ["edge-in", acme.id, { endDate: "2031-06-25T21:59:00Z", notifyDays: 10 }],
    ["edge-out", acme.id, { endDate: "2031-06-25T22:00:00Z", notifyDays: 10 }],
    ["default-in", acme.id, { endDate: "2031-07-05T12:00:00Z", notifyDays: null }],
    ["default-out", acme.id, { endDate: "2031-07-06T12:00:00Z", notifyDays: null }],
    ["suspended", acme.id, { endDate: "2031-06-20T10:00:00Z", notifyDays: 30 }],
    ["open-ended", acme.id, { endDate: null, notifyDays: 30 }],
  ];
  for (const [name, accountId, fields, actor] of seeded) {
    const license = await platform.license(accountId, fields, actor);
    created.set(name, license.id);
    createdDay = localDate(new Date(license.createdAt), "Europe/Paris");
  }
  await platform.env.bus.request(
    issuer.suspend,
    { id: created.get("suspended")!, reason: "on hold" },
    as(actors.lea),
  );
  await platform.addNotifier();
  await platform.configure({
    dailyTime: "07:30",
    timeZone: "Europe/Paris",
    defaultNotifyDays: 20,
    includeCreators: true,
    fromName: "Licensing",
    fromAddress: "licensing@example.test",
  });
  platform.clock.set(sendAt);
  mail = (await platform.smtp.waitFor(1))[0]!;
});
afterAll(() => platform?.stop());

const url = (name: string) => `https://licensing.example.test/crm/licenses/${created.get(name)}`;

/** Every column of every row, in order, as the issue lists them. */
function expectedRows(): string[][] {
  const acme = "Acme Corp";
  return [
    [
      acme,
      "Commercial",
      "3",
      "lea@example.test",
      createdDay,
      "collector",
      "2031-06-15 00:00",
      "expired today",
    ],
    [
      `Smith & <Sons> "Ltd"`,
      "Commercial",
      "3",
      "sam",
      createdDay,
      "collector",
      "2031-06-15 07:00",
      "expired today",
    ],
    [
      acme,
      "Commercial",
      "3",
      "lea@example.test",
      createdDay,
      "collector",
      "2031-06-15 23:59",
      "expires today",
    ],
    [
      acme,
      "Commercial",
      "3",
      "lea@example.test",
      createdDay,
      "collector",
      "2031-06-16 00:00",
      "expires in 1 day",
    ],
    [
      acme,
      "Test, internal",
      "Unlimited + 10 fleet seats",
      "lea@example.test",
      createdDay,
      "cockpit, collector",
      "2031-06-18 10:00",
      "expires in 3 days",
    ],
    [
      acme,
      "Commercial",
      "3",
      "lea@example.test",
      createdDay,
      "collector",
      "2031-06-25 23:59",
      "expires in 10 days",
    ],
    [
      acme,
      "Commercial",
      "3",
      "lea@example.test",
      createdDay,
      "collector",
      "2031-07-05 14:00",
      "expires in 20 days",
    ],
  ];
}
const expectedOrder = ["midnight", "morning", "evening", "tomorrow", "fleet", "edge-in", "default-in"];

const entities: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};
const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => entities[e]!);

/** The table of an HTML digest: each row's cells as text, and each row's links. */
function tableOf(html: string): { header: string[]; rows: string[][]; links: string[] } {
  const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => m[1]!);
  const cells = (row: string) =>
    [...row.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/gs)].map((c) => decode(c[1]!.replace(/<[^>]+>/g, "")));
  return {
    header: cells(rows[0]!),
    rows: rows.slice(1).map(cells),
    links: rows.slice(1).map((r) => decode(/href="([^"]+)"/.exec(r)![1]!)),
  };
}

describe("the daily digest", () => {
  it("goes to the recipients, with the creators who have an email address in Cc, from the sender", () => {
    expect(mail.parsed.from?.value).toEqual([{ name: "Licensing", address: "licensing@example.test" }]);
    expect(mail.envelope.to.sort()).toEqual(["lea@example.test", "ops@example.test"]);
    expect(mail.parsed.headers.get("cc")).toMatchObject({ value: [{ address: "lea@example.test" }] });
    expect(mail.parsed.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("says what it holds in its subject", () => {
    expect(mail.parsed.subject).toBe("License expiry digest 2031-06-15: 2 expired today, 5 expiring");
  });

  it("lists exactly the licenses of the window, expired today first, then by expiry, every column right", () => {
    const table = tableOf(String(mail.parsed.html));
    expect(table.header).toEqual([
      "Account",
      "Kind",
      "License count",
      "Creator",
      "Created",
      "Product",
      "Expires",
      "Status",
    ]);
    expect(table.rows).toEqual(expectedRows());
    expect(table.links).toEqual(expectedOrder.map(url));
  });

  it("escapes what the data holds, so an account name never becomes markup", () => {
    expect(String(mail.parsed.html)).toContain("Smith &amp; &lt;Sons&gt; &quot;Ltd&quot;");
    expect(String(mail.parsed.html)).not.toContain("<Sons>");
  });

  it("has a plain-text part with the same rows and links", () => {
    const text = String(mail.parsed.text);
    const lines = text.split("\n");
    const header = lines.indexOf(
      "Account | Kind | License count | Creator | Created | Product | Expires | Status",
    );
    expect(header).toBeGreaterThan(0);
    const body = lines.slice(header + 1, header + 1 + 2 * expectedOrder.length);
    expect(body).toEqual(
      expectedRows().flatMap((row, i) => [row.join(" | "), `  ${url(expectedOrder[i]!)}`]),
    );
  });

  it("carries the day's Message-ID, and the preview renders exactly what was sent", async () => {
    expect(mail.parsed.messageId).toMatch(/^<expiry-digest\.2031-06-15\.[0-9a-f]{12}@example\.test>$/);
    const preview = await platform.env.bus.request(notifier.preview, { day: "2031-06-15" });
    expect(preview.subject).toBe(mail.parsed.subject);
    expect(preview.html.trim()).toBe(String(mail.parsed.html).trim());
    expect(preview.text.trim()).toBe(String(mail.parsed.text).trim());
    expect(preview.rows.map((r) => r.licenseId)).toEqual(expectedOrder.map((n) => created.get(n)));
    expect([preview.total, preview.truncated, preview.to, preview.cc]).toEqual([
      7,
      false,
      ["ops@example.test"],
      ["lea@example.test"],
    ]);
  });

  it("moves the day's edges with the zone", async () => {
    await platform.configure({ timeZone: "UTC" });
    const utc = await platform.env.bus.request(notifier.preview, { day: "2031-06-15" });
    // In UTC, "midnight" ended on the 14th and "tomorrow" ends on the 15th.
    const names = utc.rows.map((r) => [...created].find(([, id]) => id === r.licenseId)![0]);
    expect(names).toEqual(["morning", "evening", "tomorrow", "fleet", "edge-in", "edge-out", "default-in"]);
    expect(utc.rows.find((r) => r.licenseId === created.get("tomorrow"))!.expires).toBe("2031-06-15 22:00");
    await platform.configure({ timeZone: "Europe/Paris" });
  });

  it("records the day as sent, once, visible in the state", async () => {
    const state = await vi.waitFor(async () => {
      const s = await platform.env.bus.request(notifier.state, {});
      expect(s.lastSent, "the state shows the digest sent").toBeTruthy();
      return s;
    }, patience);
    expect(state.lastSent).toMatchObject({
      day: "2031-06-15",
      status: "sent",
      attempts: 1,
      rows: 7,
      recipients: 2,
    });
    expect(state.lastSent?.messageId).toBe(mail.parsed.messageId);
    expect(state.nextRunAt).toBe("2031-06-16T05:30:00.000Z");
    expect(platform.smtp.messages).toHaveLength(1);
  });
});

describe("a day with nothing to report", () => {
  it("sends nothing by default, and records why", async () => {
    platform.clock.set("2031-09-01T05:30:00Z");
    const state = await vi.waitFor(async () => {
      const s = await platform.env.bus.request(notifier.state, {});
      expect(s.recent[0]?.day, "the day is recorded").toBe("2031-09-01");
      expect(s.recent[0]?.status).not.toBe("sending");
      return s;
    }, patience);
    expect(state.recent[0]).toMatchObject({ status: "nothing_to_report", rows: 0, sentAt: null });
    expect(platform.smtp.messages).toHaveLength(1);
  });

  it("sends an empty digest when asked to", async () => {
    await platform.configure({ sendWhenEmpty: true });
    platform.clock.set("2031-09-02T05:30:00Z");
    const [, empty] = await platform.smtp.waitFor(2);
    expect(empty!.parsed.subject).toBe("License expiry digest 2031-09-02: nothing to report");
    expect(String(empty!.parsed.text)).toContain(
      "No license expires within its notice window, and none expired today.",
    );
    expect(String(empty!.parsed.html)).not.toContain("<table");
  });
});
