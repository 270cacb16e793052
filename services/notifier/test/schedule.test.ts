// The rules with no I/O: when a digest is due (time zones, DST), the backoff, the escaping, the
// scrubbing of SMTP errors, the configuration.
import { describe, expect, it } from "vitest";
import { loadNotifierConfig } from "../src/config.ts";
import { escapeHtml, html, htmlText } from "../src/domain/html.ts";
import { describeMailError } from "../src/domain/mailer.ts";
import { currentSlot, localDate, localDateTime, nextSlot } from "../src/domain/schedule.ts";
import { backoffMs, spacingAllows } from "../src/domain/scheduler.ts";

const at = (iso: string) => new Date(iso);
const slot = (s: { day: string; scheduledAt: Date } | undefined) => s && [s.day, s.scheduledAt.toISOString()];

describe("the schedule", () => {
  const paris = { dailyTime: "07:30", timeZone: "Europe/Paris" };

  it("makes a day's digest due at its minute, and keeps it due until the next", () => {
    expect(slot(currentSlot(paris, at("2031-06-15T05:29:59Z")))).toEqual([
      "2031-06-14",
      "2031-06-14T05:30:00.000Z",
    ]);
    expect(slot(currentSlot(paris, at("2031-06-15T05:30:00Z")))).toEqual([
      "2031-06-15",
      "2031-06-15T05:30:00.000Z",
    ]);
    expect(slot(currentSlot(paris, at("2031-06-16T05:29:00Z")))).toEqual([
      "2031-06-15",
      "2031-06-15T05:30:00.000Z",
    ]);
    expect(slot(nextSlot(paris, at("2031-06-15T05:30:00Z")))).toEqual([
      "2031-06-16",
      "2031-06-16T05:30:00.000Z",
    ]);
  });

  it("follows the zone's offset across daylight saving time", () => {
    // Winter: UTC+1; summer: UTC+2.
    expect(slot(nextSlot(paris, at("2031-01-10T00:00:00Z")))).toEqual([
      "2031-01-10",
      "2031-01-10T06:30:00.000Z",
    ]);
    expect(slot(nextSlot(paris, at("2031-07-10T00:00:00Z")))).toEqual([
      "2031-07-10",
      "2031-07-10T05:30:00.000Z",
    ]);
  });

  it("sends on a spring-forward day whose time does not exist, once the clock has jumped", () => {
    // 2031-03-30 in Paris: 02:00 becomes 03:00; 02:30 never happens.
    const night = { dailyTime: "02:30", timeZone: "Europe/Paris" };
    expect(slot(nextSlot(night, at("2031-03-29T12:00:00Z")))).toEqual([
      "2031-03-30",
      "2031-03-30T01:00:00.000Z",
    ]);
    expect(slot(nextSlot(night, at("2031-03-30T01:00:00Z")))).toEqual([
      "2031-03-31",
      "2031-03-31T00:30:00.000Z",
    ]);
  });

  it("sends once on a fall-back day whose time happens twice, at the first", () => {
    // 2031-10-26 in Paris: 03:00 becomes 02:00; 02:30 happens at 00:30Z and at 01:30Z.
    const night = { dailyTime: "02:30", timeZone: "Europe/Paris" };
    expect(slot(nextSlot(night, at("2031-10-25T12:00:00Z")))).toEqual([
      "2031-10-26",
      "2031-10-26T00:30:00.000Z",
    ]);
    expect(slot(nextSlot(night, at("2031-10-26T00:30:00Z")))).toEqual([
      "2031-10-27",
      "2031-10-27T01:30:00.000Z",
    ]);
  });

  it("names days and times in the zone", () => {
    expect(localDate(at("2031-06-14T22:00:00Z"), "Europe/Paris")).toBe("2031-06-15");
    expect(localDate(at("2031-06-14T22:00:00Z"), "America/New_York")).toBe("2031-06-14");
    expect(localDateTime(at("2031-06-15T21:59:00Z"), "Europe/Paris")).toBe("2031-06-15 23:59");
    expect(localDateTime(at("2031-06-15T00:05:00Z"), "UTC")).toBe("2031-06-15 00:05");
  });
});

describe("at most one scheduled digest per 24 hours", () => {
  const paris = { dailyTime: "08:00", timeZone: "Europe/Paris" };
  const sent = (day: string, sentAt: string, schedule = paris) => ({
    day,
    sentAt: at(sentAt),
    timeZone: schedule.timeZone,
    dailyTime: schedule.dailyTime,
  });

  it("lets the next day of the same schedule go, even 23 hours later on a daylight-saving day", () => {
    // 2031-03-30: Paris moves from UTC+1 to UTC+2, so 08:00 comes 23 hours after the day before's.
    const slot = nextSlot(paris, at("2031-03-30T00:00:00Z"))!;
    expect(slot.scheduledAt.toISOString()).toBe("2031-03-30T06:00:00.000Z");
    expect(spacingAllows(slot, paris, sent("2031-03-29", "2031-03-29T07:00:00Z"))).toBe(true);
    // Also when the day before went late, after retries.
    expect(spacingAllows(slot, paris, sent("2031-03-29", "2031-03-30T05:59:00Z"))).toBe(true);
  });

  it("holds a digest made due by a change of zone or time to 24 hours after the last one sent", () => {
    const west = { dailyTime: "08:00", timeZone: "Etc/GMT+12" };
    const slot = { day: "2031-06-06", scheduledAt: at("2031-06-06T20:00:00Z") };
    const lastUnderEast = sent("2031-06-07", "2031-06-07T01:00:00Z", {
      dailyTime: "08:00",
      timeZone: "Etc/GMT-7",
    });
    expect(spacingAllows(slot, west, lastUnderEast)).toBe(false);
    expect(
      spacingAllows({ day: "2031-06-08", scheduledAt: at("2031-06-08T20:00:00Z") }, west, lastUnderEast),
    ).toBe(true);
    // Moving the time earlier: tomorrow's comes 22 hours after today's, so it is skipped.
    const early = { dailyTime: "06:00", timeZone: "Europe/Paris" };
    const tomorrow = nextSlot(early, at("2031-06-15T12:00:00Z"))!;
    expect(spacingAllows(tomorrow, early, sent("2031-06-15", "2031-06-15T06:00:00Z"))).toBe(false);
    expect(spacingAllows(tomorrow, paris, undefined)).toBe(true);
  });
});

describe("the retry backoff", () => {
  it("doubles from a minute up to half an hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffMs(n) / 60_000)).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
  });
});

describe("HTML templates", () => {
  it("escape every value, and nest fragments as they are", () => {
    const name = `<img src=x onerror="alert('x')"> & co`;
    const fragment = html`<td title="${name}">${name}</td>`;
    expect(htmlText(html`<tr>${[fragment, null, false]}</tr>`)).toBe(
      `<tr><td title="${escapeHtml(name)}">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co</td></tr>`,
    );
  });
});

describe("SMTP errors", () => {
  it("keep the server's answer and never a credential", () => {
    const password = "hunter2-hunter2";
    const error = Object.assign(new Error(`Invalid login: 535 rejected ${password}`), {
      code: "EAUTH",
      response: `535 5.7.8 rejected ${password} / ${Buffer.from(`\0mailer\0${password}`).toString("base64")}`,
      command: `AUTH PLAIN ${Buffer.from(`\0mailer\0${password}`).toString("base64")}`,
    });
    const text = describeMailError(error, password);
    expect(text).toMatch(/^EAUTH: 535 5\.7\.8 rejected/);
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`\0mailer\0${password}`).toString("base64"));
  });
});

describe("the configuration", () => {
  const base = { DATABASE_URL: "postgres://u@localhost/db" };

  it("needs a 32-byte key-encryption key, and names the variable", () => {
    expect(() => loadNotifierConfig(base)).toThrow(/NOTIFIER_KEK is missing/);
    expect(() => loadNotifierConfig({ ...base, NOTIFIER_KEK: "c2hvcnQ=" })).toThrow(
      /NOTIFIER_KEK is invalid/,
    );
  });

  it("reads the first SMTP server from a URL", () => {
    const kek = Buffer.alloc(32, 1).toString("base64");
    expect(
      loadNotifierConfig({ ...base, NOTIFIER_KEK: kek, NOTIFIER_SMTP_URL: "smtp://127.0.0.1:2525?tls=none" })
        .NOTIFIER_SMTP_URL,
    ).toEqual({ host: "127.0.0.1", port: 2525, security: "none" });
    expect(
      loadNotifierConfig({ ...base, NOTIFIER_KEK: kek, NOTIFIER_SMTP_URL: "smtps://mail.example.com" })
        .NOTIFIER_SMTP_URL,
    ).toEqual({ host: "mail.example.com", port: 465, security: "tls" });
    expect(() => loadNotifierConfig({ ...base, NOTIFIER_KEK: kek, NOTIFIER_SMTP_URL: "http://x" })).toThrow(
      /NOTIFIER_SMTP_URL/,
    );
  });
});
