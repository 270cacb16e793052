// Settings → Notifications in Debian's Chromium (playwright-core), against a real gateway, catalog,
// issuer, notifier and development mail catcher on this file's own database and subjects: a field
// error shown on its field, saving, the state panel, the preview in its sandboxed frame, a test
// email caught and opened under Development mail. Screenshots go to test-artifacts/screenshots.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { catalog, issuer as licenses } from "@licensing/contracts";
import { adminCredentials } from "@licensing/gateway/testing";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { createMailCatcherService, startMailCatcher } from "@licensing/mail-catcher";
import { createNotifierService, openNotifierDatabase } from "@licensing/notifier";
import { describe, expect, it } from "vitest";
import { browserTestsRun, gatewaySession, shot, signIn } from "./support.ts";

const session = gatewaySession("notifications", {
  gateway: { catalog: true },
  // The issuer, the development mail catcher and the notifier beside the gateway, on its subjects.
  prepare: async (platform, baseUrl) => {
    const { env } = platform;
    const mailDir = await mkdtemp(join(tmpdir(), "caught-mail-"));
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
    return [
      async () => {
        await notifier.stop();
        await notifierOrm.close();
        await catcherService.stop();
        await catcher.close();
        await issuer.stop();
        await issuerOrm.close();
        await rm(mailDir, { recursive: true, force: true });
      },
    ];
  },
  timeout: 15_000,
});

describe.skipIf(!browserTestsRun)("Settings → Notifications in a browser", () => {
  it("edits the settings, previews the digest and catches a test email", async () => {
    const { page, baseUrl, cspViolations } = session;
    await signIn(page, baseUrl, adminCredentials);
    const menu = page.getByRole("navigation", { name: "Main menu" });
    await menu.getByRole("link", { name: "Notifications" }).click();
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    await page.getByText("No recipients: add at least one to send the daily digest").waitFor();
    await shot(page, "30-notifications");

    const recipients = page.getByRole("textbox", { name: /^Recipients/ });
    await recipients.fill("not-an-address");
    await recipients.press("Enter");
    await recipients.press("Tab");
    await page.getByText("not-an-address: must be an email address (name@example.com)").waitFor();
    await shot(page, "31-notifications-field-error");
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
    await shot(page, "32-notifications-preview");

    await page.getByRole("tab", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Send a test email" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Send" }).click();
    await page.getByText("Test email sent to ops@example.test.").waitFor();
    await page.getByRole("tab", { name: /Development mail \(1\)/ }).click();
    await page.frameLocator('iframe[title="Caught message"]').getByText("This is a test message").waitFor();
    await shot(page, "33-notifications-dev-mail");
    expect(cspViolations).toEqual([]);
    // One long walk through three tabs and an SMTP round trip: more than the default 30 s on a busy
    // machine (each step still waits at most 15 s).
  }, 120_000);
});
