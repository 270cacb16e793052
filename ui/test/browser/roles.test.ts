// Settings → Roles in Debian's Chromium (playwright-core), against a real gateway, catalog and issuer
// on this file's own database and subjects: a superadmin reads the role × action table, defines a
// custom role that reads licenses and nothing else, gives it to a new user, and that user, signed in,
// sees and may do only what the role allows (no accounts, no key in clear, no signed file). The role,
// still held, cannot be deleted. Screenshots go to test-artifacts/screenshots.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { adminCredentials, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { browserTestsRun, launchChromium, post, screenshots, signIn, uiRoot } from "./support.ts";

let platform: GatewayUnderTest;
let browser: Browser;
let admin: Page;
let baseUrl: string;
let uiDir: string;
let licenseId: string;
const cspViolations: string[] = [];
const watchCsp = (context: BrowserContext) =>
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

const menu = (page: Page) => page.getByRole("navigation", { name: "Main menu" });

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  watchCsp(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

describe.skipIf(!browserTestsRun)("Settings → Roles in a browser", () => {
  beforeAll(async () => {
    uiDir = await mkdtemp(join(tmpdir(), "ui-roles-"));
    await build({
      root: uiRoot,
      configFile: resolve(uiRoot, "vite.config.ts"),
      logLevel: "silent",
      build: { outDir: uiDir },
    });
    platform = await startGateway({
      issuer: true,
      activateCrm: true,
      overrides: { listen: { port: 0, host: "127.0.0.1" }, uiDir, cookieSecure: false },
    });
    baseUrl = `http://127.0.0.1:${(platform.service.app.server.address() as AddressInfo).port}`;
    // A license to read: a product, an account, one test license.
    const seeded = [
      await platform.admin.post("/api/products", {
        code: "collector",
        name: "Collector",
        executionModes: [{ code: "scanning", name: "Scanning" }],
        defaults: { durationDays: 30, availableActivations: 1, executionModes: ["scanning"] },
      }),
      await platform.admin.post("/api/accounts", { type: "customer", name: "Readable Corp" }),
    ];
    for (const response of seeded) expect(response.statusCode, response.body).toBe(201);
    const accountId = seeded[1]!.json<{ id: string }>().id;
    const license = await platform.admin.post("/api/licenses", {
      accountId,
      products: ["collector"],
      kind: "test",
    });
    expect(license.statusCode, license.body).toBe(201);
    licenseId = license.json<{ licenses: { license: { id: string } }[] }>().licenses[0]!.license.id;
    browser = await launchChromium();
    admin = await newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    if (uiDir) await rm(uiDir, { recursive: true, force: true });
  });

  // A failed step leaves a picture of every open page, to see what the browser showed.
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const pages = browser?.contexts().flatMap((context) => context.pages()) ?? [];
      const name = task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      for (const [i, open] of pages.entries())
        await open.screenshot({ path: join(screenshots, `failed-${name}-${i}.png`), fullPage: true });
    });
  });

  it("shows a superadmin the role × action table, and defines a custom role", async () => {
    await signIn(admin, baseUrl, adminCredentials);
    await menu(admin).getByRole("link", { name: "Roles" }).click();
    await admin.getByRole("heading", { name: "Roles", exact: true }).waitFor();
    const table = admin.getByRole("table", { name: "What each role allows" });
    await table.waitFor();
    const reveal = table.getByRole("row", { name: /^Reveal license keys/ });
    // Columns: the action, then the roles in order: superadmin, license-admin, sales, support, viewer…
    const cells = reveal.getByRole("cell");
    expect(await cells.nth(1).textContent()).toBe("Allowed");
    expect(await cells.nth(4).textContent()).toBe("Not allowed");
    await shot(admin, "60-roles");

    await admin.getByRole("button", { name: "New role" }).click();
    const dialog = admin.getByRole("dialog", { name: "New role" });
    await dialog.getByRole("textbox", { name: /^Name/ }).fill("license-reader");
    await dialog.getByRole("textbox", { name: "Description" }).fill("Reads licenses, nothing else");
    await dialog.getByRole("checkbox", { name: /^See licenses/ }).check();
    await shot(admin, "61-roles-new");
    await dialog.getByRole("button", { name: "Create role" }).click();
    await admin.getByText("Role license-reader was created.").waitFor();
    const row = admin.getByTestId("role-license-reader");
    await row.getByText("Custom").waitFor();
    await table.getByRole("columnheader", { name: "license-reader" }).waitFor();
    expect(cspViolations).toEqual([]);
  }, 120_000);

  it("gives the custom role to a user, who sees and may do only what it allows", async () => {
    await menu(admin).getByRole("link", { name: "Users" }).click();
    await admin.getByRole("button", { name: "New user" }).click();
    const created = admin.getByRole("dialog");
    await created.getByLabel(/^Username/).fill("lena.reader");
    await created.getByRole("checkbox", { name: /^license-reader \(custom\)/ }).check();
    await created.getByRole("button", { name: "Create user" }).click();
    const temporaryPassword = (await admin.getByTestId("temporary-password").textContent())!.trim();
    await admin.getByRole("button", { name: "Done" }).click();
    await admin.getByRole("cell", { name: "lena.reader", exact: true }).waitFor();

    const page = await newPage();
    await signIn(page, baseUrl, { username: "lena.reader", password: temporaryPassword });
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel(/^Current password/).fill(temporaryPassword);
    await page.getByLabel(/^New password/).fill("lena's own long password");
    await page.getByLabel(/^Repeat the new password/).fill("lena's own long password");
    await page.getByRole("button", { name: "Change password" }).click();
    await menu(page).waitFor();
    // license.read opens the licenses, nothing else (the Update server needs release.read).
    await expect.poll(() => menu(page).getByRole("link").allTextContents()).toEqual(["Licenses"]);

    await menu(page).getByRole("link", { name: "Licenses", exact: true }).click();
    await page
      .getByRole("row", { name: /Readable Corp/ })
      .first()
      .getByRole("link", { name: /^…-/ })
      .click();
    await page.getByRole("heading", { name: /^License …-/ }).waitFor();
    await page.getByRole("tab", { name: "Version history" }).waitFor();
    expect(await page.getByRole("button", { name: /Renew|Revoke|Suspend|Re-issue|Reinstate/ }).count()).toBe(
      0,
    );
    expect(await page.getByRole("link", { name: "Download file" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Reveal key" }).count()).toBe(0);
    await shot(page, "62-custom-role-license");
    expect(await page.getByRole("link", { name: "New license" }).count()).toBe(0);

    await page.goto(`${baseUrl}/crm/accounts`);
    await page.getByRole("heading", { name: "No access" }).waitFor();
    // The API agrees with what the UI hides.
    const refused = await post(page, `/api/licenses/${licenseId}/reveal-key`, undefined);
    expect([refused.status, (refused.body as { code: string }).code]).toEqual([403, "forbidden"]);
    const session = await page.evaluate(
      async () => (await (await fetch("/api/auth/session")).json()) as unknown,
    );
    expect(session).toMatchObject({ user: { roles: ["license-reader"] }, permissions: ["license.read"] });
    await page.context().close();
  }, 120_000);

  it("refuses to delete the role while the user holds it, and says what to do", async () => {
    await menu(admin).getByRole("link", { name: "Roles" }).click();
    const row = admin.getByTestId("role-license-reader");
    await row.getByRole("link", { name: "1 user(s) hold license-reader" }).waitFor();
    await row.getByRole("button", { name: "Changes to license-reader" }).click();
    await admin.getByRole("menuitem", { name: "Delete" }).click();
    const dialog = admin.getByRole("dialog", { name: "license-reader cannot be deleted" });
    await dialog.getByText(/Take the role from them on the Users page first/).waitFor();
    await shot(admin, "63-roles-delete-held");
    await dialog.getByRole("button", { name: "Close" }).click();
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
