// The operator UI in Debian's Chromium (driven by playwright-core), against the platform as `npm start`
// starts it (every service its own process, the UI it builds), on this file's own database and
// subjects. Screenshots of every main page go to test-artifacts/screenshots.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  browserSession,
  browserTestsRun,
  crmActivationLicense,
  post,
  screenshots,
  signIn,
} from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the browser test" };
const session = browserSession("operator", { credentials: adminCredentials, timeout: 15_000 });
/** The key of the commercial license generated below, which a "product" then uses. */
let commercialKey: string;
/** What Chromium reported breaking the gateway's Content-Security-Policy, on any page. */
const cspViolations: string[] = [];
const watchCsp = (context: BrowserContext) =>
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

/** A call to the products' API (`/v1/…`) with a license key, as a product makes it. */
async function product(
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${session.platform.distributionUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      authorization: `License ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

const menu = (page: Page) => page.getByRole("navigation", { name: "Main menu" });

/**
 * Opens the (first) license of `account` listed in the licenses table by its key, which is a link:
 * following it does not depend on the table having settled under the click, as a row click does.
 */
async function openLicenseOf(page: Page, account: string): Promise<void> {
  await page
    .getByRole("row", { name: new RegExp(account) })
    .first()
    .getByRole("link", { name: /^…-/ })
    .click();
}

describe.skipIf(!browserTestsRun)("the operator UI in a browser", () => {
  beforeAll(() => {
    watchCsp(session.page.context());
  });

  it("signs in, and shows the CRM section only once a superadmin has activated it", async () => {
    const { page: admin, baseUrl } = session;
    await admin.goto(`${baseUrl}/`);
    await admin.getByRole("button", { name: "Sign in" }).waitFor();
    await shot(admin, "01-sign-in");
    await signIn(admin, baseUrl, adminCredentials);
    await expect(menu(admin).getByRole("link", { name: "Users" }).isVisible()).resolves.toBe(true);
    expect(await menu(admin).getByRole("link", { name: "Customer accounts" }).count()).toBe(0);
    // Signing keys are the host's: there before the CRM module is activated.
    await expect(menu(admin).getByRole("link", { name: "Signing keys" }).isVisible()).resolves.toBe(true);
    await shot(admin, "02-home-crm-inactive");

    await menu(admin).getByRole("link", { name: "Activation" }).click();
    // What `npm run dev:activation -w services/gateway` prints: signed by the development vendor key
    // under .data/, which npm start tells the gateway to trust.
    await admin.getByLabel(/^Activation license/).fill(crmActivationLicense());
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
    const { page: admin } = session;
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
    const { page: admin } = session;
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
    await admin.getByRole("searchbox", { name: "Search" }).fill("globx");
    await admin.waitForURL(/q=globx/);
    await admin.getByRole("link", { name: "Globex Corporation" }).waitFor();
    await shot(admin, "15-accounts-search");
  });

  it("imports a CSV: preview with each row's outcome, then the import and its report", async () => {
    const { page: admin, baseUrl } = session;
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
    const { page: admin } = session;
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

  it("generates a commercial license for an account, with its key and file", async () => {
    const { page: admin } = session;
    await menu(admin).getByRole("link", { name: "License generator" }).click();
    await admin.getByRole("textbox", { name: /^Account/ }).fill("globx");
    await admin.getByRole("option", { name: /Globex Corporation/ }).click();
    // The only product is chosen already, its catalog defaults filled in.
    await admin.getByText("Collector's catalog defaults filled the fields below", { exact: false }).waitFor();
    expect(await admin.getByRole("radio", { name: "Commercial" }).isChecked()).toBe(true);
    await admin.getByRole("textbox", { name: /^Available activations/ }).fill("5");
    await shot(admin, "22-generator-form");
    await admin.getByRole("button", { name: "Generate license" }).click();
    const key = admin.getByTestId("license-key");
    await key.waitFor();
    commercialKey = (await key.textContent()) ?? "";
    expect(commercialKey).toMatch(/^LK-/);
    const download = admin.waitForEvent("download");
    await admin.getByRole("button", { name: "Download file" }).click();
    const file = await readFile((await (await download).path())!, "utf8");
    expect(file).toContain("-----BEGIN LICENSE FILE-----");
    await shot(admin, "23-generator-created");
  });

  it("defines a preset, then quick-generates a test key from it", async () => {
    const { page: admin } = session;
    await menu(admin).getByRole("link", { name: "Presets" }).click();
    await admin.getByRole("link", { name: "New preset" }).click();
    await admin.getByLabel(/^Name/).fill("30-day test");
    await admin.getByRole("textbox", { name: /^Products/ }).click();
    await admin.getByRole("option", { name: "Collector (collector)" }).click();
    await admin.keyboard.press("Escape");
    await admin
      .locator("label")
      .filter({ hasText: /^Test$/ })
      .click();
    await admin.getByRole("textbox", { name: /^Duration \(days\)/ }).fill("30");
    await shot(admin, "24-preset-form");
    await admin.getByRole("button", { name: "Create preset" }).click();
    await admin.getByRole("heading", { name: "30-day test" }).waitFor();
    await admin.getByRole("link", { name: "Presets" }).first().click();
    await admin.getByRole("link", { name: "30-day test" }).waitFor();
    await shot(admin, "25-presets");

    await menu(admin).getByRole("link", { name: "License generator" }).click();
    await admin.getByRole("textbox", { name: /^Account/ }).fill("Globex");
    await admin.getByRole("option", { name: /Globex Corporation/ }).click();
    await admin.getByRole("button", { name: "30-day test" }).click();
    await admin.getByText("License created").waitFor();
    await shot(admin, "26-quick-generated");
  });

  it("filters the licenses table, exports the filtered set as CSV", async () => {
    const { page: admin } = session;
    await menu(admin).getByRole("link", { name: "Licenses", exact: true }).click();
    await admin.getByRole("cell", { name: "Globex Corporation" }).first().waitFor();
    expect(await admin.getByRole("cell", { name: "Globex Corporation" }).count()).toBe(2);
    await admin.getByRole("textbox", { name: "Kind", exact: true }).click();
    await admin.getByRole("option", { name: "Test" }).click();
    await admin.waitForURL(/kind=test/);
    await expect.poll(() => admin.locator("tbody tr").count(), { timeout: 15_000 }).toBe(1);
    await shot(admin, "27-licenses-filtered");
    const download = admin.waitForEvent("download");
    await admin.getByRole("link", { name: "Export CSV" }).click();
    const csv = (await readFile((await (await download).path())!, "utf8")).replace(/^\uFEFF/, "");
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^License id,Key \(last group\),Account id,Account,Kind,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(",Globex Corporation,test,false,collector,");
  });

  it("shows a license's usage, deactivates its machine after a confirmation, and reports the usage", async () => {
    const { page: admin, baseUrl } = session;
    // A product uses the commercial license: one download, one machine, one execution of 42 units.
    // The distribution service learns of the license from the issuer's events.
    await expect
      .poll(async () => (await product("/v1/license", commercialKey)).status, { timeout: 15_000 })
      .toBe(200);
    // Download counts are written about once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const machine = {
      fingerprint: "globex-build-01-7f3a",
      hostname: "globex-build-01",
      platform: "linux-x64",
    };
    expect((await product("/v1/machines", commercialKey, machine)).status).toBe(201);
    expect(
      (await product("/v1/usage", commercialKey, { units: 42, idempotencyKey: "globex-run-0001" })).status,
    ).toBe(200);

    await admin.goto(`${baseUrl}/crm/licenses?kind=commercial`);
    await openLicenseOf(admin, "Globex Corporation");
    await admin.getByRole("tab", { name: "Usage" }).click();
    await admin.waitForURL(/tab=usage/);
    const machines = admin.getByRole("table", { name: "Activated machines" });
    await machines.getByRole("cell", { name: "globex-build-01", exact: true }).waitFor();
    const figure = (label: string) => admin.getByRole("group", { name: label });
    await figure("Units remaining").getByText("Unlimited", { exact: true }).waitFor();
    await figure("Units consumed").getByText("42", { exact: true }).waitFor();
    await figure("Downloads").getByText("1", { exact: true }).waitFor();
    await shot(admin, "34-license-usage");
    await admin.getByRole("button", { name: "Deactivate globex-build-01" }).click();
    const dialog = admin.getByRole("dialog");
    await dialog.getByRole("textbox", { name: /^Reason/ }).fill("Machine retired");
    await shot(admin, "35-deactivate-confirm");
    await dialog.getByRole("button", { name: "Deactivate" }).click();
    await dialog.waitFor({ state: "hidden" });
    await machines.getByText("deactivated", { exact: true }).waitFor();
    expect(await admin.getByRole("button", { name: "Deactivate globex-build-01" }).count()).toBe(0);
    // The product is refused from now on.
    expect(
      (await product("/v1/machines/heartbeat", commercialKey, { fingerprint: machine.fingerprint })).status,
    ).toBe(404);

    await menu(admin).getByRole("link", { name: "Usage report" }).click();
    await admin.getByRole("heading", { name: "Usage report" }).waitFor();
    await admin.getByRole("link", { name: "Globex Corporation" }).waitFor();
    await admin.getByLabel("Units consumed: 42").waitFor();
    await shot(admin, "36-usage-report");
    const download = admin.waitForEvent("download");
    await admin.getByRole("link", { name: "Export CSV" }).click();
    const csv = (await readFile((await (await download).path())!, "utf8")).replace(/^\uFEFF/, "");
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "Period (UTC day),Account id,Account,Product,Product name,Units consumed,Executions,Active machines",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/,Globex Corporation,collector,Collector,42,1,1$/);

    await menu(admin).getByRole("link", { name: "Dashboard" }).click();
    await admin.getByRole("link", { name: /^Units consumed 42 / }).click();
    await admin.waitForURL(/\/crm\/usage\?from=/);
    await admin.getByRole("link", { name: "Globex Corporation" }).waitFor();
  });

  it("opens the commercial license, renews it, then revokes it", async () => {
    const { page: admin, baseUrl } = session;
    await admin.goto(`${baseUrl}/crm/licenses?kind=commercial`);
    await openLicenseOf(admin, "Globex Corporation");
    await admin.getByRole("heading", { name: /^License …-/ }).waitFor();
    await admin.getByText("5", { exact: true }).first().waitFor();
    await shot(admin, "28-license");
    await admin.getByRole("button", { name: "Renew" }).click();
    let dialog = admin.getByRole("dialog");
    await dialog.getByRole("textbox", { name: /^Extend by/ }).fill("30");
    await dialog.getByRole("button", { name: "Renew" }).click();
    await dialog.waitFor({ state: "hidden" });
    await admin.getByRole("cell", { name: "renewed" }).waitFor();
    await admin.getByRole("button", { name: "Revoke" }).click();
    dialog = admin.getByRole("dialog");
    await dialog.getByRole("textbox", { name: /^Reason/ }).fill("Contract ended");
    await shot(admin, "29-revoke-confirm");
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await dialog.waitFor({ state: "hidden" });
    await admin.getByText("Contract ended").first().waitFor();
    expect(await admin.getByRole("button", { name: "Renew" }).count()).toBe(0);
    await admin.getByRole("tab", { name: "Audit trail" }).click();
    await admin.getByRole("cell", { name: "revoked", exact: true }).first().waitFor();
    await shot(admin, "30-license-revoked");
  });

  it("shows the changes on the dashboard, each figure linking to its licenses", async () => {
    const { page: admin } = session;
    await menu(admin).getByRole("link", { name: "Dashboard" }).click();
    await admin.getByRole("link", { name: "Licenses 2" }).waitFor();
    await admin.getByRole("link", { name: "1 revoked" }).waitFor();
    await admin.getByRole("link", { name: "Test 1" }).waitFor();
    await shot(admin, "31-dashboard");
    await admin.getByRole("link", { name: "1 revoked" }).click();
    await admin.waitForURL(/\/crm\/licenses\?status=revoked/);
    await expect.poll(() => admin.locator("tbody tr").count(), { timeout: 15_000 }).toBe(1);
  });

  it("lists the signing keys by role and rotates the license keys after a confirmation", async () => {
    const { page: admin } = session;
    await menu(admin).getByRole("link", { name: "Signing keys" }).click();
    const licenseKeys = admin.getByRole("region", { name: "License keys" });
    await licenseKeys.getByText("active", { exact: true }).waitFor();
    await admin.getByRole("region", { name: "Release keys" }).getByText("active", { exact: true }).waitFor();
    await licenseKeys.getByRole("button", { name: "Rotate license key" }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Rotate" }).click();
    await licenseKeys.getByText("retired", { exact: true }).waitFor();
    await shot(admin, "32-signing-keys");
  });

  it("shows a viewer no create controls, and the API refuses them anyway", async () => {
    const { page: admin, baseUrl } = session;
    // A superadmin creates the viewer, who chooses a password at first sign-in.
    await menu(admin).getByRole("link", { name: "Users" }).click();
    await admin.getByRole("button", { name: "New user" }).click();
    const created = admin.getByRole("dialog");
    await created.getByLabel(/^Username/).fill("vera.viewer");
    await created.getByRole("checkbox", { name: /^viewer/ }).check();
    await created.getByRole("button", { name: "Create user" }).click();
    const temporaryPassword = (await admin.getByTestId("temporary-password").textContent())!.trim();
    await admin.getByRole("button", { name: "Done" }).click();
    const page = await session.newPage();
    watchCsp(page.context());
    await signIn(page, baseUrl, { username: "vera.viewer", password: temporaryPassword });
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel(/^Current password/).fill(temporaryPassword);
    await page.getByLabel(/^New password/).fill("vera's own long password");
    await page.getByLabel(/^Repeat the new password/).fill("vera's own long password");
    await page.getByRole("button", { name: "Change password" }).click();
    await menu(page).waitFor();
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

    await menu(page).getByRole("link", { name: "Licenses", exact: true }).click();
    await openLicenseOf(page, "Globex Corporation");
    await page.getByRole("heading", { name: /^License …-/ }).waitFor();
    expect(await page.getByRole("button", { name: /Renew|Revoke|Suspend|Re-issue|Reinstate/ }).count()).toBe(
      0,
    );
    // Viewers read the license, not its secrets (`license.reveal`): no key in clear, no signed file.
    await page.getByRole("tab", { name: "Version history" }).waitFor();
    expect(await page.getByRole("link", { name: "Download file" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Reveal key" }).count()).toBe(0);
    await shot(page, "33-viewer-license");
    await menu(page).getByRole("link", { name: "Licenses", exact: true }).click();
    await page.getByRole("link", { name: "Export CSV" }).waitFor();
    expect(await page.getByRole("link", { name: "New license" }).count()).toBe(0);

    const accountId = new URL(page.url(), baseUrl).searchParams.get("accountId");
    const refused = [
      await post(page, "/api/accounts", { type: "customer", name: "Sneaky" }),
      await post(page, "/api/licenses", {
        accountId: accountId ?? "acc_01ZZZZZZZZZZZZZZZZZZZZZZZZ",
        products: ["collector"],
      }),
    ];
    const statuses = refused.map(({ status, body }) => ({ status, code: (body as { code: string }).code }));
    expect(statuses).toEqual([
      { status: 403, code: "forbidden" },
      { status: 403, code: "forbidden" },
    ]);
    await page.context().close();
  });

  it("opens the API documentation under its Content-Security-Policy", async () => {
    const { page: admin, baseUrl } = session;
    const page = await admin.context().newPage();
    const answer = await page.goto(`${baseUrl}/api/docs`);
    expect(answer?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.getByText("Licensing Platform API").first().waitFor();
    await page.getByText("/api/licenses").first().waitFor();
    await shot(page, "34-api-docs");
    await page.close();
  });

  it("signs out", async () => {
    const { page: admin } = session;
    await admin.getByRole("button", { name: /user menu/ }).click();
    await admin.getByRole("menuitem", { name: "Sign out" }).click();
    await admin.getByRole("button", { name: "Sign in" }).waitFor();
  });

  it("broke no rule of the Content-Security-Policy on any page (scripts from the gateway only)", async () => {
    const { page: admin, baseUrl } = session;
    const home = await admin.goto(`${baseUrl}/`);
    const policy = home?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(cspViolations).toEqual([]);
  });
});
