// Settings → Roles in Debian's Chromium (playwright-core), against a real gateway, catalog and issuer
// on this file's own database and subjects: a superadmin reads the role × action table, defines a
// custom role that reads licenses and nothing else, gives it to a new user, and that user, signed in,
// sees and may do only what the role allows (no accounts, no key in clear, no signed file). The role,
// still held, cannot be deleted. Screenshots go to test-artifacts/screenshots.
import { adminCredentials } from "@licensing/gateway/testing";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserTestsRun, gatewaySession, post, shot, signIn } from "./support.ts";

let licenseId: string;
const session = gatewaySession("roles", {
  gateway: { issuer: true, activateCrm: true },
  // A license to read: a product, an account, one test license.
  prepare: async (platform) => {
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
    return undefined;
  },
  timeout: 15_000,
});

const menu = (page: Page) => page.getByRole("navigation", { name: "Main menu" });

describe.skipIf(!browserTestsRun)("Settings → Roles in a browser", () => {
  it("shows a superadmin the role × action table, and defines a custom role", async () => {
    const { page: admin, baseUrl, cspViolations } = session;
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
    const { page: admin, baseUrl } = session;
    await menu(admin).getByRole("link", { name: "Users" }).click();
    await admin.getByRole("button", { name: "New user" }).click();
    const created = admin.getByRole("dialog");
    await created.getByLabel(/^Username/).fill("lena.reader");
    await created.getByRole("checkbox", { name: /^license-reader \(custom\)/ }).check();
    await created.getByRole("button", { name: "Create user" }).click();
    const temporaryPassword = (await admin.getByTestId("temporary-password").textContent())!.trim();
    await admin.getByRole("button", { name: "Done" }).click();
    await admin.getByRole("cell", { name: "lena.reader", exact: true }).waitFor();

    const page = await session.newPage();
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
    const signedIn = await page.evaluate(
      async () => (await (await fetch("/api/auth/session")).json()) as unknown,
    );
    expect(signedIn).toMatchObject({ user: { roles: ["license-reader"] }, permissions: ["license.read"] });
    await page.context().close();
  }, 120_000);

  it("refuses to delete the role while the user holds it, and says what to do", async () => {
    const { page: admin, cspViolations } = session;
    await menu(admin).getByRole("link", { name: "Roles" }).click();
    const row = admin.getByTestId("role-license-reader");
    await row.getByRole("link", { name: "1 user(s) hold license-reader" }).waitFor();
    await row.getByRole("button", { name: "Changes to license-reader" }).click();
    await admin.getByRole("menuitem", { name: "Delete" }).click();
    const dialog = admin.getByRole("dialog", { name: "license-reader cannot be deleted" });
    await dialog.getByText(/Take the role from them on the Users page first/).waitFor();
    await shot(admin, "63-roles-delete-held");
    await dialog.getByRole("button", { name: "Close", exact: true }).click();
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
