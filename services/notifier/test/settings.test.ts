// The settings over the bus: defaults, changes, errors that name the field, concurrent edits, and
// the SMTP password, which is stored encrypted and never comes back (nor goes into a log).
import { AppError, audit, notifier } from "@licensing/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, type Platform, startPlatform } from "./notifier-harness.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";

let platform: Platform;
let authSmtp: SmtpSink;
const password = "s3cret-Pa55word-for-smtp";

beforeAll(async () => {
  platform = await startPlatform({ clock: "2031-06-15T06:00:00Z" });
  authSmtp = await startSmtpSink({ auth: { user: "mailer", pass: password } });
  await platform.addNotifier();
});
afterAll(async () => {
  await authSmtp?.close();
  await platform?.stop();
});

const bus = () => platform.env.bus;
// Loosely typed on purpose: the tests send what a careless client would.
const update = (request: Record<string, unknown>) =>
  bus().request(notifier.updateSettings, request as never, as(actors.admin));

async function issuesOf(request: Record<string, unknown>): Promise<string[]> {
  const error = await update(request).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("validation_failed");
  return ((error as AppError).details?.issues ?? []).map((i) => i.path);
}

describe("notifier settings", () => {
  it("start from the defaults, with no password", async () => {
    expect(await bus().request(notifier.getSettings, {})).toMatchObject({
      enabled: true,
      dailyTime: "08:00",
      timeZone: "UTC",
      defaultNotifyDays: 30,
      recipients: [],
      includeCreators: false,
      sendWhenEmpty: false,
      fromAddress: "licensing@example.test",
      uiUrl: "https://licensing.example.test",
      smtp: { host: "localhost", port: 587, security: "starttls", username: null, passwordSet: false },
      version: 1,
      updatedBy: null,
    });
  });

  it("change what is sent, and say who changed them", async () => {
    const changed = await update({
      dailyTime: "06:45",
      timeZone: "Asia/Kolkata",
      defaultNotifyDays: 14,
      recipients: ["a@example.test", "b@example.test"],
      uiUrl: "https://licenses.example.test/",
    });
    expect(changed).toMatchObject({
      dailyTime: "06:45",
      timeZone: "Asia/Kolkata",
      defaultNotifyDays: 14,
      recipients: ["a@example.test", "b@example.test"],
      uiUrl: "https://licenses.example.test",
      version: 2,
      updatedBy: "ada",
    });
    expect(await bus().request(notifier.getSettings, {})).toEqual(changed);
  });

  it("refuse bad values, naming each field", async () => {
    expect(await issuesOf({ dailyTime: "25:00" })).toEqual(["dailyTime"]);
    expect(await issuesOf({ dailyTime: "7:30" })).toEqual(["dailyTime"]);
    expect(await issuesOf({ timeZone: "Mars/Olympus" })).toEqual(["timeZone"]);
    expect(await issuesOf({ defaultNotifyDays: -1 })).toEqual(["defaultNotifyDays"]);
    expect(await issuesOf({ recipients: ["ops@example.test", "not an address"] })).toEqual(["recipients.1"]);
    expect(await issuesOf({ recipients: ["ops@example.test", "OPS@example.test"] })).toEqual([
      "recipients.1",
    ]);
    expect(await issuesOf({ fromAddress: "licensing" })).toEqual(["fromAddress"]);
    expect(await issuesOf({ uiUrl: "ftp://licensing.example.test" })).toEqual(["uiUrl"]);
    expect(await issuesOf({ smtp: { port: 0, host: "smtp example" } })).toEqual(["smtp.host", "smtp.port"]);
    expect(await issuesOf({ smtp: { security: "ssl" } })).toEqual(["smtp.security"]);
    expect(await issuesOf({ smtp: { username: null, password: "x-password" } })).toEqual(["smtp.password"]);
    const error = await update({ timeZone: "Mars/Olympus" }).catch((e: AppError) => e);
    expect((error as AppError).message).toMatch(/timeZone: must be an IANA time zone/);
  });

  it("are checked by the service itself, not only by the caller's client", async () => {
    const reply = await platform.env.nc.request(
      `${platform.env.prefix}.notifier.settings.update`,
      JSON.stringify({ dailyTime: "noon", recipients: ["x"], smtp: { port: 70_000 } }),
    );
    const body = reply.json<{ code: string; details: { issues: { path: string }[] } }>();
    expect(body.code).toBe("validation_failed");
    expect(body.details.issues.map((i) => i.path)).toEqual(["dailyTime", "recipients.0", "smtp.port"]);
  });

  it("refuse a change made from a stale version", async () => {
    const { version } = await bus().request(notifier.getSettings, {});
    await update({ expectedVersion: version, fromName: "Licensing desk" });
    await expect(update({ expectedVersion: version, fromName: "Overwritten" })).rejects.toMatchObject({
      code: "conflict",
    });
    expect((await bus().request(notifier.getSettings, {})).fromName).toBe("Licensing desk");
  });
});

describe("the SMTP password", () => {
  it("is stored encrypted, used to sign in, and never returned", async () => {
    const saved = await update({
      recipients: ["ops@example.test"],
      smtp: { host: "127.0.0.1", port: authSmtp.port, security: "none", username: "mailer", password },
    });
    expect(saved.smtp).toEqual({
      host: "127.0.0.1",
      port: authSmtp.port,
      security: "none",
      username: "mailer",
      passwordSet: true,
    });
    expect(JSON.stringify(saved)).not.toContain(password);
    expect(JSON.stringify(await bus().request(notifier.getSettings, {}))).not.toContain(password);

    const db = new pg.Client({ connectionString: platform.env.databaseUrl });
    await db.connect();
    const { rows } = await db.query("select * from notifier.settings");
    await db.end();
    expect(JSON.stringify(rows)).not.toContain(password);
    expect(Buffer.from(rows[0].smtp_password_enc).includes(Buffer.from(password))).toBe(false);

    const sent = await bus().request(notifier.sendTest, {}, as(actors.admin));
    expect(sent.accepted).toEqual(["ops@example.test"]);
    const [mail] = await authSmtp.waitFor(1);
    expect(mail!.parsed.subject).toMatch(/^\[Test\] License expiry digest 2031-06-15/);
  });

  it("stays as it is when the settings change without it", async () => {
    const saved = await update({ smtp: { port: authSmtp.port } });
    expect(saved.smtp.passwordSet).toBe(true);
    await bus().request(notifier.sendTest, { to: ["someone@example.test"] }, as(actors.admin));
    const [, mail] = await authSmtp.waitFor(2);
    expect(mail!.envelope.to).toEqual(["someone@example.test"]);
  });

  it("does not show up in an error, nor in any log line", async () => {
    await update({ smtp: { password: "the-wrong-Pa55word" } });
    const error = await bus()
      .request(notifier.sendTest, {}, as(actors.admin))
      .catch((e: AppError) => e);
    expect(error).toMatchObject({ code: "service_unavailable" });
    expect((error as AppError).message).toMatch(/did not take the message: EAUTH/);
    expect((error as AppError).message).not.toContain("the-wrong-Pa55word");
    await update({ smtp: { password } });
    const logs = platform.logs.join("\n");
    expect(logs).toContain("notification settings changed");
    for (const secret of [password, "the-wrong-Pa55word", Buffer.from(password).toString("base64")])
      expect(logs).not.toContain(secret);
    // Nor in the audit log, which says that it was set, by whom, and what else changed.
    const entries = (await bus().request(audit.notifier, { action: "settings.*", limit: 100 })).items;
    expect(JSON.stringify(entries)).not.toContain("Pa55word");
    expect(entries[0]).toMatchObject({
      service: "notifier",
      action: "settings.updated",
      entityType: "settings",
      actorName: "ada",
      reason: "SMTP password set or cleared",
    });
    const schedule = entries.find((e) => e.changes.dailyTime);
    expect(schedule?.changes.dailyTime).toEqual(["08:00", "06:45"]);
  });

  it("is removed with null, or with the user name", async () => {
    expect((await update({ smtp: { password: null } })).smtp.passwordSet).toBe(false);
    await update({ smtp: { password } });
    const cleared = await update({ smtp: { username: null } });
    expect(cleared.smtp).toMatchObject({ username: null, passwordSet: false });
  });
});

describe("a test email", () => {
  it("needs somebody to go to", async () => {
    await update({ recipients: [], smtp: { host: "127.0.0.1", port: platform.smtp.port, security: "none" } });
    await expect(bus().request(notifier.sendTest, {}, as(actors.admin))).rejects.toMatchObject({
      code: "invalid_state",
    });
  });

  it("says when the mail server cannot be reached", async () => {
    await update({ smtp: { host: "127.0.0.1", port: 1, security: "none" } });
    await expect(
      bus().request(notifier.sendTest, { to: ["x@example.test"] }, as(actors.admin)),
    ).rejects.toMatchObject({
      code: "service_unavailable",
      message: expect.stringMatching(/127\.0\.0\.1:1 .*ECONNREFUSED/),
    });
  });
});
