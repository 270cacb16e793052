// Settings → Notifications in Debian's Chromium (playwright-core), against a real gateway, catalog,
// issuer, notifier and development mail catcher on this file's own database and subjects: a field
// error shown on its field, saving, the state panel, the preview in its sandboxed frame, a test
// email caught and opened under Development mail. Screenshots go to test-artifacts/screenshots.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { catalog, issuer as licenses } from "@licensing/contracts";
import { adminCredentials, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { createMailCatcherService, startMailCatcher } from "@licensing/mail-catcher";
import { createNotifierService, openNotifierDatabase } from "@licensing/notifier";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsRun, launchChromium, screenshots, signIn, uiRoot } from "./support.ts";

let platform: GatewayUnderTest;
let browser: Browser;
let page: Page;
let baseUrl: string;
let uiDir: string;
let mailDir: string;
const stops: (() => Promise<void>)[] = [];
/** What Chromium reported breaking the gateway's Content-Security-Policy (the mail frames included). */
const cspViolations: string[] = [];

async function shot(name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

describe.skipIf(!browserTestsRun)("Settings → Notifications in a browser", () => {
  beforeAll(async () => {
    uiDir = await mkdtemp(join(tmpdir(), "ui-notifications-"));
    mailDir = await mkdtemp(join(tmpdir(), "caught-mail-"));
    await build({
      root: uiRoot,
      configFile: resolve(uiRoot, "vite.config.ts"),
      logLevel: "silent",
      build: { outDir: uiDir },
    });
    platform = await startGateway({
      catalog: true,
      overrides: { listen: { port: 0, host: "127.0.0.1" }, uiDir, cookieSecure: false },
    });
    const { env } = platform;
    baseUrl = `http://127.0.0.1:${(platform.service.app.server.address() as AddressInfo).port}`;
    const issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
    const issuer = createIssuerService({
      nc: await env.connect("issuer"),
      orm: issuerOrm,
      prefix: env.prefix,
      log: env.log,
      kek: randomBytes(32),
      defaultNotifyDays: 30,
    });
    await issuer.start();
    // One license ending in five days, so the digest has a row (begun a month ago: a notice window
    // never outlasts the license, and the 30-day default must fit).
    await env.bus.request(catalog.createProduct, { code: "collector", name: "Collector" });
    const account = await env.bus.request(catalog.createAccount, { type: "customer", name: "Acme & Sons" });
    await env.bus.request(
      licenses.createLicense,
      {
        accountId: account.id,
        products: ["collector"],
        startDate: new Date(Date.now() - 30 * 86_400_000).toISOString(),
        endDate: new Date(Date.now() + 5 * 86_400_000).toISOString(),
      },
      {
        ctx: {
          requestId: "req_browser_seed",
          actor: { id: "usr_seed", username: "lea@example.test", roles: ["superadmin"] },
        },
      },
    );
    const catcher = await startMailCatcher({ directory: mailDir, port: 0 });
    const catcherService = createMailCatcherService({
      nc: await env.connect("mailcatcher"),
      prefix: env.prefix,
      log: env.log,
      catcher,
    });
    await catcherService.start();
    const notifierOrm = await openNotifierDatabase(env.databaseUrl, env.log);
    const notifier = createNotifierService({
      nc: await env.connect("notifier"),
      orm: notifierOrm,
      prefix: env.prefix,
      log: env.log,
      kek: randomBytes(32),
      seed: {
        uiUrl: baseUrl,
        fromAddress: "licensing@example.test",
        smtp: { host: "127.0.0.1", port: catcher.port, security: "none" },
      },
    });
    await notifier.start();
    stops.push(async () => {
      await notifier.stop();
      await notifierOrm.close();
      await catcherService.stop();
      await catcher.close();
      await issuer.stop();
      await issuerOrm.close();
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const stop of stops) await stop();
    await platform?.stop();
    for (const dir of [uiDir, mailDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("edits the settings, previews the digest and catches a test email", async () => {
    await signIn(page, baseUrl, adminCredentials);
    const menu = page.getByRole("navigation", { name: "Main menu" });
    await menu.getByRole("link", { name: "Notifications" }).click();
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    await page.getByText("No recipients: add at least one to send the daily digest").waitFor();
    await shot("30-notifications");

    const recipients = page.getByRole("textbox", { name: /^Recipients/ });
    await recipients.fill("not-an-address");
    await recipients.press("Enter");
    await recipients.press("Tab");
    await page.getByText("not-an-address: must be an email address (name@example.com)").waitFor();
    await shot("31-notifications-field-error");
    await recipients.click();
    await recipients.press("Backspace");
    await recipients.fill("ops@example.test");
    await recipients.press("Enter");
    await page.getByRole("textbox", { name: /^Time zone/ }).fill("Europe/Paris");
    await page.getByRole("option", { name: "Europe/Paris" }).click();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Daily at 08:00 (Europe/Paris)").waitFor();

    await page.getByRole("tab", { name: "Preview" }).click();
    const frame = page.frameLocator('iframe[title="Digest preview"]');
    await frame.getByRole("heading", { name: /License expiry digest/ }).waitFor();
    await frame.getByRole("link", { name: "Acme & Sons" }).waitFor();
    expect(await page.locator('iframe[title="Digest preview"]').getAttribute("sandbox")).toBe("");
    await shot("32-notifications-preview");

    await page.getByRole("tab", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Send a test email" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Send" }).click();
    await page.getByText("Test email sent to ops@example.test.").waitFor();
    await page.getByRole("tab", { name: /Development mail \(1\)/ }).click();
    await page.frameLocator('iframe[title="Caught message"]').getByText("This is a test message").waitFor();
    await shot("33-notifications-dev-mail");
    expect(cspViolations).toEqual([]);
    // One long walk through three tabs and an SMTP round trip: more than the default 30 s on a busy
    // machine (each step still waits at most 15 s).
  }, 120_000);
});
