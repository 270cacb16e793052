// Issue 17's polish of the licenses table, at 1440 × 900 in Debian's Chromium (playwright-core)
// against the platform as `npm start` starts it, on this file's own database and subjects: the
// filters take one row above the data (the rest behind "More filters"), "Created by" picks one of
// the platform's users and the rows follow, dates never wrap, the page passes axe with "More
// filters" open; the accounts list's filters fit one row too; and no page skips a heading level
// (axe's heading-order). Screenshot: filters-1440.png.
import { createRequire } from "node:module";
import { join } from "node:path";
import type { IssuedLicense } from "@licensing/contracts";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  activateCrm,
  browserSession,
  browserTestsRun,
  expectAccessible,
  post,
  screenshots,
  signIn,
} from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the filters" };
const session = browserSession("filters", {
  credentials: adminCredentials,
  viewport: { width: 1440, height: 900 },
});
const samPassword = "sam's own password, chosen";

/**
 * A row of filters is one line when it is no taller than its tallest field (the fields align at
 * their bottoms, so their tops differ; a wrapped row would be at least two fields high).
 */
async function expectOneRow(row: Locator, what: string) {
  const heights = await row.evaluate((element) =>
    [...element.children].map((child) => Math.round(child.getBoundingClientRect().height)),
  );
  const box = (await row.boundingBox())!;
  expect(
    box.height,
    `${what}: ${box.height} px high, its children ${heights.join(", ")}`,
  ).toBeLessThanOrEqual(Math.max(...heights) + 1);
}

/** The rows of the licenses table, as their cells' text. */
async function tableRows(page: Page): Promise<string[][]> {
  return page
    .locator("table tbody tr")
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll("td")].map((td) => td.textContent ?? "")),
    );
}

/** axe-core's own script (as support.ts evaluates it). */
const axeSource = createRequire(import.meta.url)("axe-core").source as string;

/** The nodes that break axe's heading-order rule on the page as it is. */
async function headingOrderViolations(page: Page): Promise<unknown[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<unknown> };
      document: unknown;
    };
    const results = (await axe.run(document, { runOnly: { type: "rule", values: ["heading-order"] } })) as {
      violations: { nodes: { target: unknown[]; html: string }[] }[];
    };
    return results.violations.flatMap((v) => v.nodes.map((n) => ({ target: n.target, html: n.html })));
  });
}

describe.skipIf(!browserTestsRun)("the licenses table's filters at 1440 px", { timeout: 120_000 }, () => {
  let accountId: string;
  let licenseId: string;
  let samLicense: string;

  it("sets up: the CRM module, a product, an account, licenses by the admin and by a sales user", async () => {
    const { page, baseUrl } = session;
    await signIn(page, baseUrl, adminCredentials);
    await activateCrm(page);
    expect((await post(page, "/api/products", { code: "scanner", name: "Code Scanner" })).status).toBe(201);
    const account = await post(page, "/api/accounts", { type: "customer", name: "Umbrella" });
    expect(account.status).toBe(201);
    accountId = (account.body as { id: string }).id;
    const created = await post(page, "/api/licenses", {
      accountId,
      products: ["scanner"],
      kind: "commercial",
      count: 2,
    });
    expect(created.status).toBe(201);
    licenseId = (created.body as { licenses: IssuedLicense[] }).licenses[0]!.license.id;
    expect(
      (await post(page, "/api/users", { username: "sam", roles: ["sales"], password: "a temporary one" }))
        .status,
    ).toBe(201);
    // Sam, in a browser of their own, chooses a password and creates a test license.
    const sam = await session.newPage();
    await signIn(sam, baseUrl, { username: "sam", password: "a temporary one" });
    const changed = await post(sam, "/api/auth/password", {
      currentPassword: "a temporary one",
      newPassword: samPassword,
    });
    expect(changed.status, JSON.stringify(changed.body)).toBeLessThan(300);
    const bySam = await post(sam, "/api/licenses", { accountId, products: ["scanner"], kind: "test" });
    expect(bySam.status, JSON.stringify(bySam.body)).toBe(201);
    samLicense = (bySam.body as { licenses: IssuedLicense[] }).licenses[0]!.license.id;
    await sam.context().close();
  });

  it("shows the filters in one row above the data, the others behind More filters", async () => {
    const { page, baseUrl } = session;
    await page.goto(`${baseUrl}/crm/licenses`);
    await page.getByRole("link", { name: /^…-/ }).first().waitFor();
    const row = page.getByTestId("license-filter-row");
    await expectOneRow(row, "the licenses filter row");
    for (const name of ["Search", "Account", "Product", "Status", "Kind"])
      await expect(
        row.getByRole("textbox", { name }).or(row.getByRole("searchbox", { name })).count(),
      ).resolves.toBe(1);
    await expect(page.getByRole("textbox", { name: "Created by" }).isVisible()).resolves.toBe(false);
    // Between the row and the table, one toolbar line (views, count, Clear filters, columns).
    const table = (await page.locator("table").first().boundingBox())!;
    const rowBox = (await row.boundingBox())!;
    expect(table.y - (rowBox.y + rowBox.height)).toBeLessThan(80);
  });

  it("filters the rows by the user chosen in Created by", async () => {
    const { page } = session;
    const more = page.getByRole("button", { name: /^More filters/ });
    await more.click();
    await expect(more.getAttribute("aria-expanded")).resolves.toBe("true");
    const picker = page.getByRole("textbox", { name: "Created by" });
    await picker.click();
    await picker.fill("sa");
    await page.getByRole("option", { name: "sam", exact: true }).click();
    await page.waitForURL(/createdBy=sam/);
    await expect.poll(async () => (await tableRows(page)).length, { timeout: 15_000 }).toBe(1);
    await page.locator(`a[href="/crm/licenses/${samLicense}"]`).waitFor();
    const [only] = await tableRows(page);
    expect(only!.some((cell) => cell === "sam")).toBe(true);
    // The badge counts it, and the row still holds on one line with it.
    await expect(more.textContent()).resolves.toContain("1");
    await expectOneRow(
      page.getByTestId("license-filter-row"),
      "the licenses filter row, a hidden filter set",
    );
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshots, "filters-1440.png") });
    await expectAccessible(page, "the licenses table with More filters open (1440 px)");
    expect(await headingOrderViolations(page)).toEqual([]);
    // Closed, the filter shows as a chip that removes it.
    await more.click();
    const chip = page.getByRole("button", { name: "Remove filter Created by: sam" });
    await chip.click();
    await expect.poll(async () => (await tableRows(page)).length, { timeout: 15_000 }).toBe(3);
    expect(page.url()).not.toContain("createdBy");
  });

  it("never wraps a date: every date cell is one line, and every row one line high", async () => {
    const { page } = session;
    await page.locator(`a[href="/crm/licenses/${licenseId}"]`).waitFor();
    const cells = await page.locator("table tbody tr").evaluateAll((rows) =>
      rows.map((row) => {
        const tds = [...row.querySelectorAll("td")];
        const lines = (td: (typeof tds)[number]) => {
          const range = td.ownerDocument.createRange();
          range.selectNodeContents(td);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        };
        return { height: Math.round(row.getBoundingClientRect().height), lines: tds.map(lines) };
      }),
    );
    const headers = await page.locator("table thead th").allTextContents();
    const dateColumns = ["Start", "End", "Created"].map((title) =>
      headers.findIndex((h) => h.trim() === title),
    );
    expect(
      dateColumns.every((i) => i >= 0),
      headers.join("|"),
    ).toBe(true);
    for (const row of cells)
      for (const i of dateColumns) expect(row.lines[i], `column ${headers[i]}`).toBe(1);
    // A one-line row's height, the same for all (a wrapped cell would make its row taller).
    // (Rows sit at fractional offsets, so their rounded heights may differ by a pixel.)
    const heights = cells.map((c) => c.height);
    expect(Math.max(...heights) - Math.min(...heights), JSON.stringify(cells)).toBeLessThanOrEqual(1);
    expect(Math.max(...heights), "a one-line row").toBeLessThan(48);
    // Badges are never cut, here nor where the table is squeezed (a narrower window).
    const cutBadges = () =>
      page
        .locator("table tbody .mantine-Badge-label")
        .evaluateAll((labels) =>
          labels.filter((l) => l.scrollWidth > l.clientWidth).map((l) => l.textContent),
        );
    expect(await cutBadges()).toEqual([]);
    await page.setViewportSize({ width: 1100, height: 900 });
    try {
      await page.waitForTimeout(300);
      expect(await cutBadges()).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it("fits the accounts list's filters in one row too", async () => {
    const { page, baseUrl } = session;
    await page.goto(`${baseUrl}/crm/accounts`);
    const search = page.getByRole("searchbox", { name: "Search" });
    await search.waitFor();
    const row = search.locator("xpath=ancestor::div[contains(@class,'mantine-Group-root')][1]");
    await expectOneRow(row, "the accounts filter row");
  });

  it("has no page that skips a heading level", async () => {
    const { page, baseUrl } = session;
    const found: Record<string, unknown[]> = {};
    for (const path of [
      "/crm/dashboard",
      `/crm/generator?accountId=${accountId}`,
      "/crm/licenses",
      `/crm/licenses/${licenseId}`,
      `/crm/licenses/${licenseId}?tab=usage`,
      `/crm/licenses/${licenseId}?tab=audit`,
      `/crm/licenses/${licenseId}/amend`,
      "/crm/usage",
      "/crm/update-server",
      "/crm/accounts",
      "/crm/accounts/new",
      "/crm/accounts/import",
      `/crm/accounts/${accountId}`,
      `/crm/accounts/${accountId}?tab=licenses`,
      `/crm/accounts/${accountId}/edit`,
      "/settings/products",
      "/settings/products/new",
      "/settings/products/scanner",
      "/settings/presets",
      "/settings/presets/new",
      "/settings/migration",
      "/settings/activation",
      "/settings/users",
      "/settings/roles",
      "/settings/notifications",
      "/settings/signing-keys",
      "/settings/audit",
    ]) {
      await page.goto(`${baseUrl}${path}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("networkidle");
      const violations = await headingOrderViolations(page);
      if (violations.length > 0) found[path] = violations;
    }
    expect(found).toEqual({});
  });
});
