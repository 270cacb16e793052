// The operator UI in Debian's Chromium (driven by playwright-core), against a real gateway and
// catalog on this file's own database and subjects, serving a fresh build of the UI. Screenshots
// of every main page go to test-artifacts/screenshots.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  type GatewayUnderTest,
  startGateway,
} from "../../../services/gateway/test/gateway-harness.ts";

const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const uiRoot = resolve(import.meta.dirname, "../..");
const screenshots = resolve(uiRoot, "../test-artifacts/screenshots");
// Without Chromium a developer's run skips this file; CI installs it (.ci/run), so there it fails.
const runs = existsSync(chromiumPath) || process.env.CI === "true";

let platform: GatewayUnderTest;
let browser: Browser;
let baseUrl: string;
let uiDir: string;

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel(/^Username/).fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main menu" }).waitFor();
}

const menu = (page: Page) => page.getByRole("navigation", { name: "Main menu" });

describe.skipIf(!runs)("the operator UI in a browser", () => {
  let admin: Page;

  beforeAll(async () => {
    uiDir = await mkdtemp(join(tmpdir(), "ui-e2e-"));
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
    baseUrl = `http://127.0.0.1:${(platform.service.app.server.address() as AddressInfo).port}`;
    await mkdir(screenshots, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    admin = await context.newPage();
    admin.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    if (uiDir) await rm(uiDir, { recursive: true, force: true });
  });

  it("signs in, and shows the CRM section only once a superadmin has activated it", async () => {
    await admin.goto(`${baseUrl}/`);
    await admin.getByRole("button", { name: "Sign in" }).waitFor();
    await shot(admin, "01-sign-in");
    await signIn(admin, adminCredentials.username, adminCredentials.password);
    await expect(menu(admin).getByRole("link", { name: "Users" }).isVisible()).resolves.toBe(true);
    expect(await menu(admin).getByRole("link", { name: "Customer accounts" }).count()).toBe(0);
    await shot(admin, "02-home-crm-inactive");

    await menu(admin).getByRole("link", { name: "Activation" }).click();
    await admin.getByLabel(/^Activation license/).fill(platform.activationLicense());
    await shot(admin, "03-activation");
    await admin.getByRole("button", { name: "Activate", exact: true }).click();
    await menu(admin).getByRole("link", { name: "Customer accounts" }).waitFor();
    await admin.getByText("Licensed to").waitFor();
    await shot(admin, "04-activation-active");
    for (const [label, file] of [
      ["Dashboard", "05-dashboard"],
      ["License generator", "06-license-generator"],
      ["Licenses", "07-licenses"],
      ["Update server", "08-update-server"],
      ["Presets", "09-presets"],
      ["Signing keys", "10-signing-keys"],
    ] as const) {
      await menu(admin).getByRole("link", { name: label, exact: true }).click();
      await admin.getByRole("heading", { name: label, exact: true }).waitFor();
      await shot(admin, file);
    }
  });

  it("defines a product with its modes", async () => {
    await menu(admin).getByRole("link", { name: "Products" }).click();
    await admin.getByRole("link", { name: "New product" }).click();
    await admin.getByLabel(/^Code/).fill("collector");
    await admin.getByLabel(/^Name/).first().fill("Collector");
    await admin.getByRole("button", { name: "Add mode" }).click();
    await admin.getByLabel("mode 1 code").fill("online");
    await admin.getByLabel("mode 1 name").fill("Online");
    await admin.getByRole("button", { name: "Create product" }).click();
    await admin.getByRole("heading", { name: "Collector" }).waitFor();
    await shot(admin, "11-product");
    await admin.getByRole("link", { name: "Products" }).first().click();
    await admin.getByRole("link", { name: "collector" }).waitFor();
    await shot(admin, "12-products");
  });

  it("creates an account, then finds it by a misspelt search", async () => {
    await menu(admin).getByRole("link", { name: "Customer accounts" }).click();
    await admin.getByRole("link", { name: "New account" }).click();
    await admin.getByLabel(/^Name/).fill("Globex Corporation");
    await admin.getByLabel("External CRM id").fill("GLX-1");
    await admin.getByRole("button", { name: "Add contact" }).click();
    const contact = admin.getByRole("group", { name: "Contact 1" });
    await contact.getByLabel(/^Name/).fill("Hank Scorpio");
    await contact.getByLabel(/^Email/).fill("not-an-email");
    await admin.getByRole("button", { name: "Create account" }).click();
    await admin.getByText("must be an email address").waitFor();
    await shot(admin, "13-account-form-errors");
    await contact.getByLabel(/^Email/).fill("hank@globex.test");
    await admin.getByRole("button", { name: "Create account" }).click();
    await admin.getByRole("heading", { name: /Globex Corporation/ }).waitFor();
    await admin.getByText("hank@globex.test").waitFor();
    await shot(admin, "14-account");

    await admin.getByRole("link", { name: "Customer accounts" }).first().click();
    await admin.getByLabel("Search").fill("globx");
    await admin.waitForURL(/q=globx/);
    await admin.getByRole("link", { name: "Globex Corporation" }).waitFor();
    await shot(admin, "15-accounts-search");
  });

  it("imports a CSV: preview with each row's outcome, then the import and its report", async () => {
    await admin.goto(`${baseUrl}/crm/accounts`);
    await admin.getByRole("link", { name: "Import CSV" }).click();
    const csv = [
      "External ID;Account Name;Type;Country;Contact Email",
      "INI-1;Initech;prospect;US;bill@initech.test",
      "UMB-1;Umbrella;customer;XX1;",
      "GLX-1;Globex Corporation;;;",
    ].join("\n");
    await admin
      .locator('input[type="file"]')
      .setInputFiles({ name: "export.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await admin.getByText("3 data rows found.").waitFor();
    await admin.getByRole("button", { name: "Preview", exact: true }).click();
    const summary = admin.getByTestId("import-summary");
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toMatch(
      /1\s*to create\s*0\s*to update\s*1\s*unchanged\s*1\s*will be rejected/,
    );
    await admin.getByText("UMB-1").waitFor();
    await shot(admin, "16-import-preview");
    await admin.getByRole("button", { name: "Import 1 row" }).click();
    await admin.getByText("Import finished").waitFor();
    await expect(summary.textContent()).resolves.toMatch(/1\s*created/);
    await shot(admin, "17-import-report");
    await admin.getByRole("link", { name: "Go to the accounts" }).click();
    await admin.getByRole("link", { name: "Initech" }).waitFor();
    await shot(admin, "18-accounts");
  });

  it("manages users: creates one and shows the temporary password once", async () => {
    await menu(admin).getByRole("link", { name: "Users" }).click();
    await admin.getByRole("button", { name: "New user" }).click();
    const dialog = admin.getByRole("dialog");
    await dialog.getByLabel(/^Username/).fill("sam.sales");
    await dialog.getByRole("checkbox", { name: /^sales/ }).check();
    await dialog.getByRole("button", { name: "Create user" }).click();
    await admin.getByTestId("temporary-password").waitFor();
    await shot(admin, "19-temporary-password");
    await admin.getByRole("button", { name: "Done" }).click();
    await admin.getByRole("cell", { name: "sam.sales", exact: true }).waitFor();
    await shot(admin, "20-users");
  });

  it("shows a viewer no create controls, and the API refuses them anyway", async () => {
    const viewer = await platform.userWith(["viewer"], "vera.viewer");
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, viewer.username!, viewer.password!);
    expect(await menu(page).getByRole("link", { name: "Users" }).count()).toBe(0);
    expect(await menu(page).getByRole("link", { name: "License generator" }).count()).toBe(0);
    await menu(page).getByRole("link", { name: "Customer accounts" }).click();
    await page.getByRole("link", { name: "Globex Corporation" }).waitFor();
    expect(await page.getByRole("link", { name: "New account" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Import CSV" }).count()).toBe(0);
    await shot(page, "21-viewer-accounts");
    await page.getByRole("link", { name: "Globex Corporation" }).click();
    await page.getByText("hank@globex.test").waitFor();
    expect(await page.getByRole("button", { name: /Archive|Promote/ }).count()).toBe(0);

    const status = await page.evaluate(async () => {
      const session = (await (await fetch("/api/auth/session")).json()) as { csrfToken: string };
      const response = await fetch("/api/accounts", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrfToken },
        body: JSON.stringify({ type: "customer", name: "Sneaky" }),
      });
      return { status: response.status, code: ((await response.json()) as { code: string }).code };
    });
    expect(status).toEqual({ status: 403, code: "forbidden" });
    await context.close();
  });

  it("signs out", async () => {
    await admin.getByRole("button", { name: /User menu/ }).click();
    await admin.getByRole("menuitem", { name: "Sign out" }).click();
    await admin.getByRole("button", { name: "Sign in" }).waitFor();
  });
});
