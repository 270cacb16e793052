// Issue 17, "Accessible": axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on every page of the app, in
// the light and the dark colour scheme, with data on the pages, in Debian's Chromium (playwright-core)
// against the platform as `npm start` starts it, on this file's own database and subjects. Zero
// serious or critical violations is the bar. Each scheme's run visits every page and reports all
// it found at once, so one run shows everything to fix. Screenshots: a11y-<scheme>-<page>.png.
import { join } from "node:path";
import type { IssuedLicense } from "@licensing/contracts";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  activateCrm,
  browserSession,
  browserTestsRun,
  post,
  screenshots,
  seriousA11yViolations,
  signIn,
} from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the axe run" };
const session = browserSession("accessibility", { credentials: adminCredentials });

let accountId: string;
let licenseId: string;
let presetId: string;
let releaseId: string;

/** A GET of the gateway's API from the signed-in page: its JSON body. */
async function get(page: Page, path: string): Promise<unknown> {
  return page.evaluate(async (path) => (await fetch(path)).json(), path);
}

/**
 * Every page of the app, by address, and how to know it has drawn its data: the routes of
 * ui/src/router.tsx and of the CRM module (modules/crm/ui/src/index.ts), with the tabs that are in
 * the address. The import report and the sign-in page are reached by hand below.
 */
const pages = (): { name: string; path: string; ready?: (page: Page) => Promise<unknown> }[] => [
  { name: "home", path: "/" },
  {
    name: "dashboard",
    path: "/crm/dashboard",
    ready: (page) => page.getByText("By product").first().waitFor(),
  },
  { name: "generator", path: `/crm/generator?accountId=${accountId}` },
  {
    name: "licenses",
    path: "/crm/licenses",
    ready: (page) => page.getByRole("link", { name: /^…-/ }).first().waitFor(),
  },
  { name: "license", path: `/crm/licenses/${licenseId}` },
  { name: "license-usage", path: `/crm/licenses/${licenseId}?tab=usage` },
  { name: "license-audit", path: `/crm/licenses/${licenseId}?tab=audit` },
  { name: "usage-report", path: "/crm/usage" },
  {
    name: "update-server",
    path: "/crm/update-server?product=scanner",
    ready: (page) => page.getByRole("link", { name: "1.0.0" }).waitFor(),
  },
  {
    name: "release",
    path: `/crm/releases/${releaseId}`,
    ready: (page) => page.getByRole("button", { name: "Choose file…" }).waitFor(),
  },
  {
    name: "accounts",
    path: "/crm/accounts",
    ready: (page) => page.getByRole("link", { name: "Umbrella Corporation" }).waitFor(),
  },
  { name: "account-new", path: "/crm/accounts/new" },
  { name: "account-import", path: "/crm/accounts/import" },
  { name: "account", path: `/crm/accounts/${accountId}` },
  { name: "account-licenses", path: `/crm/accounts/${accountId}?tab=licenses` },
  { name: "account-history", path: `/crm/accounts/${accountId}?tab=history` },
  { name: "account-edit", path: `/crm/accounts/${accountId}/edit` },
  {
    name: "products",
    path: "/settings/products",
    ready: (page) => page.getByText("Code Scanner").first().waitFor(),
  },
  { name: "product-new", path: "/settings/products/new" },
  { name: "product", path: "/settings/products/scanner" },
  { name: "presets", path: "/settings/presets" },
  { name: "preset-new", path: "/settings/presets/new" },
  { name: "preset", path: `/settings/presets/${presetId}` },
  { name: "migration", path: "/settings/migration" },
  { name: "activation", path: "/settings/activation" },
  { name: "users", path: "/settings/users" },
  { name: "notifications", path: "/settings/notifications" },
  { name: "signing-keys", path: "/settings/signing-keys" },
  { name: "audit", path: "/settings/audit" },
  { name: "not-found", path: "/no/such/page" },
];

/** Waits for a page's level-one heading (every page has one) and then for its data. */
async function settle(page: Page, ready?: (page: Page) => Promise<unknown>): Promise<void> {
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await ready?.(page);
  await page.waitForLoadState("networkidle");
  // Mantine's transitions (tabs, collapses) end before colours are measured.
  await page.waitForTimeout(300);
}

/** Runs axe on the page as it is and files what it found under `name`. */
async function check(page: Page, name: string, found: Record<string, string[]>, scheme: string) {
  const violations = await seriousA11yViolations(page);
  if (violations.length > 0) {
    found[name] = violations;
    // Said as it is found too, so a run that stops later still shows what the pages before had.
    console.log(`axe-core on ${name} (${scheme}):\n${violations.join("\n")}`);
  }
  await page.screenshot({ path: join(screenshots, `a11y-${scheme}-${name}.png`), fullPage: true });
}

describe.skipIf(!browserTestsRun)("every page passes axe-core, light and dark", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const { page, baseUrl } = session;
    // The data every page shows, through the API: CRM activated, a product (with the issuer's
    // built-in presets), an account with a commercial and a test license, and a second user.
    await signIn(page, baseUrl, adminCredentials);
    await activateCrm(page);
    expect((await post(page, "/api/products", { code: "scanner", name: "Code Scanner" })).status).toBe(201);
    const account = await post(page, "/api/accounts", { type: "customer", name: "Umbrella Corporation" });
    expect(account.status).toBe(201);
    accountId = (account.body as { id: string }).id;
    for (const kind of ["commercial", "test"]) {
      const created = await post(page, "/api/licenses", { accountId, products: ["scanner"], kind });
      expect(created.status).toBe(201);
      licenseId ??= (created.body as { licenses: IssuedLicense[] }).licenses[0]!.license.id;
    }
    expect((await post(page, "/api/users", { username: "sam", roles: ["sales"] })).status).toBe(201);
    // A draft release of the product, with Markdown notes, for the Update server's two pages.
    const release = await post(page, "/api/products/scanner/releases", {
      version: "1.0.0",
      channel: "stable",
      notes: "## New\n\n- **Faster** scans\n- [Docs](https://example.com)",
    });
    expect(release.status).toBe(201);
    releaseId = (release.body as { id: string }).id;
    // The issuer makes the product's built-in presets when it learns of the product.
    for (let tries = 0; !presetId; tries += 1) {
      const presets = (await get(page, "/api/presets")) as { items?: { id: string }[] };
      presetId = presets.items?.[0]?.id ?? "";
      if (!presetId && tries > 60) throw new Error("The issuer made no built-in preset");
      if (!presetId) await page.waitForTimeout(500);
    }
  }, 180_000);

  it("starts every page with a skip link that moves the focus to the page itself", async () => {
    const { baseUrl } = session;
    const page = await session.newPage();
    try {
      await signIn(page, baseUrl, adminCredentials);
      await page.goto(`${baseUrl}/crm/licenses`);
      await settle(page);
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: "Skip to main content" });
      expect(await skip.evaluate((link) => link === (link.ownerDocument.activeElement as unknown))).toBe(
        true,
      );
      // Shown while it has the focus.
      expect((await skip.boundingBox())!.x).toBeGreaterThanOrEqual(0);
      await page.keyboard.press("Enter");
      const main = page.getByRole("main");
      expect(await main.evaluate((m) => m === (m.ownerDocument.activeElement as unknown))).toBe(true);
      expect(page.url()).toBe(`${baseUrl}/crm/licenses`);
      // The next Tab is in the page, not back in the header.
      await page.keyboard.press("Tab");
      expect(await main.evaluate((m) => m.contains(m.ownerDocument.activeElement))).toBe(true);
    } finally {
      await page.context().close();
    }
  });

  it("fits the license page to a phone (390 × 844), with the user menu on screen", async () => {
    const { baseUrl } = session;
    const page = await session.newPage({ width: 390, height: 844 });
    try {
      await signIn(page, baseUrl, adminCredentials);
      for (const tab of ["", "?tab=usage", "?tab=audit"]) {
        await page.goto(`${baseUrl}/crm/licenses/${licenseId}${tab}`);
        await settle(page);
        await page.screenshot({
          path: join(screenshots, `phone-license${tab ? `-${tab.slice(5)}` : ""}.png`),
          fullPage: true,
        });
        // No sideways scrolling: the page is no wider than the screen (tables scroll within themselves).
        expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(390);
      }
      const userMenu = page.getByRole("button", { name: "admin user menu" });
      const button = (await userMenu.boundingBox())!;
      expect(button.x).toBeGreaterThanOrEqual(0);
      expect(button.x + button.width).toBeLessThanOrEqual(390);
      await userMenu.click();
      const signOut = (await page.getByRole("menuitem", { name: "Sign out" }).boundingBox())!;
      expect(signOut.x).toBeGreaterThanOrEqual(0);
      expect(signOut.x + signOut.width).toBeLessThanOrEqual(390);
    } finally {
      await page.context().close();
    }
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`has no serious or critical violation on any page, ${scheme}`, async () => {
      const { baseUrl } = session;
      const found: Record<string, string[]> = {};
      // The app follows the system's colour scheme (MantineProvider's "auto").
      const page = await session.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      try {
        await page.goto(`${baseUrl}/`);
        await page.getByRole("button", { name: "Sign in" }).waitFor();
        expect(await page.locator("html").getAttribute("data-mantine-color-scheme")).toBe(scheme);
        await settle(page);
        await check(page, "sign-in", found, scheme);
        await signIn(page, baseUrl, adminCredentials);

        for (const { name, path, ready } of pages()) {
          await page.goto(`${baseUrl}${path}`);
          await settle(page, ready);
          await check(page, name, found, scheme);
        }

        // The import's preview and report, with a rejected row among them.
        await page.goto(`${baseUrl}/crm/accounts/import`);
        // Its own external id per scheme: the second run's row is new again, so there is one to import.
        const csv = [
          "External ID;Account Name;Country",
          `INI-${scheme};Initech ${scheme};US`,
          "BAD-1;Bad Country;XX1",
        ].join("\n");
        await page
          .locator('input[type="file"]')
          .setInputFiles({ name: "export.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
        await page.getByRole("button", { name: "Preview", exact: true }).click();
        await page.getByText("BAD-1").waitFor();
        await settle(page);
        await check(page, "import-preview", found, scheme);
        await page.getByRole("button", { name: /^Import \d+ rows?$/ }).click();
        await page.getByText("Import finished").waitFor();
        await settle(page);
        await check(page, "import-report", found, scheme);
      } finally {
        await page.context().close();
      }
      expect(found).toEqual({});
    });
  }
});
