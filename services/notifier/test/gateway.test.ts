// The notifier's HTTP routes in the gateway, end to end: a gateway, catalog, issuer, notifier and
// the development mail catcher on this file's database and subjects. Who may call what, errors that
// name the field, the password never coming back, and the caught mail viewable through the API.
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { createMailCatcherService, type MailCatcher, startMailCatcher } from "@licensing/mail-catcher";
import type { Orm, RunningService } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNotifierService, openNotifierDatabase } from "../src/service.ts";

let gw: GatewayUnderTest;
let licenseAdmin: Browser;
const stops: (() => Promise<void>)[] = [];
let mailDir: string;
const password = "gateway-smtp-Pa55word";

beforeAll(async () => {
  gw = await startGateway({ catalog: true });
  const issuerOrm = await openIssuerDatabase(gw.env.databaseUrl, gw.env.log);
  const issuerService = createIssuerService({
    nc: await gw.env.connect("issuer"),
    orm: issuerOrm,
    prefix: gw.env.prefix,
    log: gw.env.log,
    kek: randomBytes(32),
    defaultNotifyDays: 30,
  });
  await issuerService.start();
  const orm: Orm = await openNotifierDatabase(gw.env.databaseUrl, gw.env.log);
  const notifierService: RunningService = createNotifierService({
    nc: await gw.env.connect("notifier"),
    orm,
    prefix: gw.env.prefix,
    log: gw.env.log,
    kek: randomBytes(32),
    seed: { uiUrl: "http://localhost:8080", fromAddress: "licensing@example.test" },
  });
  await notifierService.start();
  stops.push(async () => {
    await notifierService.stop();
    await orm.close();
    await issuerService.stop();
    await issuerOrm.close();
  });
  licenseAdmin = await gw.userWith(["license-admin"]);
  mailDir = await mkdtemp(join(tmpdir(), "caught-mail-"));
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await gw?.stop();
  if (mailDir) await rm(mailDir, { recursive: true, force: true });
});

const routes: [string, string, unknown?][] = [
  ["GET", "/api/notifications/settings"],
  ["PUT", "/api/notifications/settings", { enabled: true }],
  ["GET", "/api/notifications/preview"],
  ["POST", "/api/notifications/test", {}],
  ["GET", "/api/notifications/state"],
  ["GET", "/api/dev-mail"],
  ["GET", "/api/dev-mail/20310615-000000000Z-abcdef"],
];

describe("notification routes", () => {
  it("are for a superadmin only (settings.manage)", async () => {
    const viewer = await gw.userWith(["viewer"]);
    const anonymous = new Browser(gw.app);
    for (const [method, url, body] of routes) {
      for (const [who, browser, status] of [
        ["license-admin", licenseAdmin, 403],
        ["viewer", viewer, 403],
        ["anonymous", anonymous, 401],
      ] as const) {
        const response = await browser.request(method as "GET", url, body);
        expect(response.statusCode, `${who} ${method} ${url}`).toBe(status);
      }
    }
  });

  it("read and change the settings, naming bad fields, never showing the password", async () => {
    const before = await gw.admin.get("/api/notifications/settings");
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ dailyTime: "08:00", smtp: { passwordSet: false } });

    const bad = await gw.admin.put("/api/notifications/settings", {
      dailyTime: "8 am",
      recipients: ["ops@example.test", "nobody"],
      smtp: { port: "25" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual([
      "dailyTime",
      "recipients.1",
      "smtp.port",
    ]);

    const saved = await gw.admin.put("/api/notifications/settings", {
      expectedVersion: before.json<{ version: number }>().version,
      dailyTime: "07:15",
      timeZone: "Europe/Berlin",
      recipients: ["ops@example.test"],
      smtp: { host: "127.0.0.1", port: 2525, security: "none", username: "dev", password },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ dailyTime: "07:15", smtp: { username: "dev", passwordSet: true } });
    expect(saved.body).not.toContain(password);
    expect((await gw.admin.get("/api/notifications/settings")).body).not.toContain(password);

    const stale = await gw.admin.put("/api/notifications/settings", { expectedVersion: 1, fromName: "x" });
    expect([stale.statusCode, stale.json<ErrorResponse>().code]).toEqual([409, "conflict"]);
  });

  it("preview today's digest and show the state", async () => {
    const preview = await gw.admin.get("/api/notifications/preview");
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ total: 0, truncated: false, to: ["ops@example.test"] });
    expect(preview.json<{ html: string }>().html).toContain("<!doctype html>");
    const badDay = await gw.admin.get("/api/notifications/preview?day=2031-13-01");
    expect(badDay.json<ErrorResponse>().details?.issues?.[0]?.path).toBe("day");
    const state = await gw.admin.get("/api/notifications/state");
    expect(state.statusCode).toBe(200);
    expect(state.json()).toMatchObject({ enabled: true, dailyTime: "07:15", timeZone: "Europe/Berlin" });
  });

  it("answer 503 for the development mail while no catcher runs", async () => {
    const response = await gw.admin.get("/api/dev-mail");
    expect([response.statusCode, response.json<ErrorResponse>().code]).toEqual([503, "service_unavailable"]);
  });
});

describe("the development mail catcher", () => {
  let catcher: MailCatcher;

  beforeAll(async () => {
    catcher = await startMailCatcher({ directory: mailDir, port: 0 });
    const service = createMailCatcherService({
      nc: await gw.env.connect("mailcatcher"),
      prefix: gw.env.prefix,
      log: gw.env.log,
      catcher,
    });
    await service.start();
    stops.push(async () => {
      await service.stop();
      await catcher.close();
    });
  });

  it("keeps a test email as an .eml file, listed and shown through the API", async () => {
    const pointed = await gw.admin.put("/api/notifications/settings", {
      smtp: { host: "127.0.0.1", port: catcher.port, security: "none", username: null },
    });
    expect(pointed.statusCode).toBe(200);
    const sent = await gw.admin.post("/api/notifications/test", { to: ["me@example.test"] });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ accepted: ["me@example.test"], rejected: [] });

    const list = await gw.admin.get("/api/dev-mail");
    expect(list.statusCode).toBe(200);
    const { items, directory, smtp } = list.json<{
      items: { id: string; subject: string; to: string[] }[];
      directory: string;
      smtp: { port: number };
    }>();
    expect([directory, smtp.port]).toEqual([mailDir, catcher.port]);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      to: ["me@example.test"],
      subject: expect.stringMatching(/^\[Test\] License expiry digest/),
    });
    expect(await readdir(mailDir)).toContain(`${items[0]!.id}.eml`);

    const message = await gw.admin.get(`/api/dev-mail/${items[0]!.id}`);
    expect(message.statusCode).toBe(200);
    expect(message.json()).toMatchObject({
      tooLarge: false,
      html: expect.stringContaining("This is a test message"),
    });
    const missing = await gw.admin.get("/api/dev-mail/nothing-here");
    expect(missing.statusCode).toBe(404);
  });
});
