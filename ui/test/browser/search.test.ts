// Search everywhere (issue 17) in Debian's Chromium (playwright-core), against the platform as
// `npm start` starts it, on this file's own database and subjects: Ctrl-K from a page whose focus is
// in a field, a license found by the key tail the tables show and by its whole key, an account by a
// misspelt name, a product by its code, a page by its name; each opened with the keyboard or a click.
// Screenshots go to test-artifacts/screenshots (search-*.png).
import { join } from "node:path";
import type { IssuedLicense } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import { activateCrm, browserSession, browserTestsRun, post, screenshots, signIn } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the palette" };
const session = browserSession("search", { credentials: adminCredentials });

const issued: IssuedLicense[] = [];
let accountId: string;

const menu = () => session.page.getByRole("navigation", { name: "Main menu" });
const palette = () => session.page.getByRole("dialog", { name: "Search everywhere" });

/** Opens the palette with the shortcut and types `text` into it. */
async function searchFor(text: string): Promise<void> {
  // The palette a previous step closed is gone first: its closing empties the query.
  await palette().waitFor({ state: "detached" });
  await session.page.keyboard.press("Control+K");
  const box = palette().getByRole("combobox", { name: /^Search pages/ });
  await box.waitFor();
  // The palette moves the focus into its box once it has opened: keys typed before would go elsewhere.
  await expect
    .poll(() => box.evaluate((element) => element === element.ownerDocument.activeElement))
    .toBe(true);
  await session.page.keyboard.type(text);
  await expect.poll(() => box.inputValue()).toBe(text);
}

describe.skipIf(!browserTestsRun)("search everywhere in the browser", { timeout: 120_000 }, () => {
  it("signs in, activates CRM, and has an account with two licenses and a product", async () => {
    const { page, baseUrl } = session;
    await signIn(page, baseUrl, adminCredentials);
    // The forms are other tests' subject: CRM's activation and the things to find come straight
    // from the API.
    await activateCrm(page);
    expect((await post(page, "/api/products", { code: "scanner", name: "Code Scanner" })).status).toBe(201);
    const account = await post(page, "/api/accounts", { type: "customer", name: "Umbrella Corporation" });
    expect(account.status).toBe(201);
    accountId = (account.body as { id: string }).id;
    for (let i = 0; i < 2; i += 1) {
      const created = await post(page, "/api/licenses", { accountId, products: ["scanner"], kind: "test" });
      expect(created.status).toBe(201);
      issued.push(...(created.body as { licenses: IssuedLicense[] }).licenses);
    }
  });

  it("finds a license by its key tail with Ctrl-K from a field, and Enter opens it", async () => {
    const { page, baseUrl } = session;
    await menu().getByRole("link", { name: "Licenses", exact: true }).click();
    await page.getByRole("heading", { name: "Licenses", exact: true }).waitFor();
    // The focus in a field of the page: the shortcut still opens the palette.
    await page.getByRole("textbox").first().click();
    const [first] = issued;
    const tail = first!.licenseKey.slice(-5);
    expect(tail).toBe(first!.license.keyHint);
    await searchFor(`…-${tail.toLowerCase()}`);
    const licenses = palette().getByRole("group", { name: "Licenses" });
    await licenses.getByRole("option", { name: new RegExp(`License …-${tail}`) }).waitFor();
    expect(await licenses.getByRole("option").count()).toBe(1);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(screenshots, "search-palette.png") });
    await page.keyboard.press("Enter");
    await page.waitForURL(`${baseUrl}/crm/licenses/${first!.license.id}`);
    await page
      .getByRole("heading", { name: new RegExp(`License …-${tail}`) })
      .first()
      .waitFor();
    await palette().waitFor({ state: "detached" });
  });

  it("finds a license by its whole key from the header's Search button", async () => {
    const { page, baseUrl } = session;
    const second = issued[1]!;
    await page.getByRole("button", { name: "Search Ctrl K" }).click();
    await palette()
      .getByRole("combobox", { name: /^Search pages/ })
      .fill(second.licenseKey);
    await palette()
      .getByRole("group", { name: "Licenses" })
      .getByRole("option", { name: new RegExp(`License …-${second.license.keyHint}`) })
      .click();
    await page.waitForURL(`${baseUrl}/crm/licenses/${second.license.id}`);
  });

  it("finds an account by a misspelt name, a product by its code and a page by its name", async () => {
    const { page, baseUrl } = session;
    await searchFor("umbrela");
    await palette()
      .getByRole("group", { name: "Accounts" })
      .getByRole("option", { name: /Umbrella Corporation/ })
      .waitFor();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${baseUrl}/crm/accounts/${accountId}`);

    await searchFor("scanner");
    await palette()
      .getByRole("group", { name: "Products" })
      .getByRole("option", { name: /Code Scanner/ })
      .click();
    await page.waitForURL(`${baseUrl}/settings/products/scanner`);

    await searchFor("signing");
    await palette()
      .getByRole("group", { name: "Pages" })
      .getByRole("option", { name: /Signing keys/ })
      .waitFor();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${baseUrl}/settings/signing-keys`);

    await searchFor("no such thing anywhere");
    await palette().getByRole("status").filter({ hasText: "No results" }).waitFor();
    await palette().getByText("No results for “no such thing anywhere”.").waitFor();
    await page.keyboard.press("Escape");
    await palette().waitFor({ state: "detached" });
  });

  it("opens from the header's magnifier on a phone", async () => {
    const { page, baseUrl } = session;
    await page.setViewportSize({ width: 390, height: 844 });
    // The magnifier takes the place of the labelled button: the header still fits a phone's width.
    const header = page.locator("header");
    expect(await header.evaluate((h) => h.scrollWidth <= h.clientWidth)).toBe(true);
    await page.screenshot({ path: join(screenshots, "search-phone-header.png") });
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await palette()
      .getByRole("combobox", { name: /^Search pages/ })
      .fill("dash");
    await palette()
      .getByRole("group", { name: "Pages" })
      .getByRole("option", { name: /Dashboard/ })
      .click();
    await page.waitForURL(`${baseUrl}/crm/dashboard`);
  });
});
