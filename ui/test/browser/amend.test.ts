// Amending a license and cloning it as a new one (issue 17) in Debian's Chromium (playwright-core),
// against the platform as `npm start` starts it, on this file's own database and subjects. Both are
// done with the keyboard only: Tab to each control, Enter to press it, typing into fields; no click.
// Screenshots go to test-artifacts/screenshots (amend-*.png).
import { join, resolve } from "node:path";
import type { IssuedLicense } from "@licensing/contracts";
import { devActivationLicense } from "@licensing/gateway/dev-activation";
import { type StartedPlatform, startPlatform } from "@licensing/testing";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { browserTestsRun, launchChromium, post, screenshots, signIn, uiRoot } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for amendments" };

let platform: StartedPlatform;
let browser: Browser;
let page: Page;
let baseUrl: string;
let issued: IssuedLicense;

const menu = () => page.getByRole("navigation", { name: "Main menu" });
// The page's own `document` (this file is typed for Node, without the DOM library).
const isFocused = (locator: Locator) =>
  locator.evaluate(
    (element) =>
      element === (element as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
  );

/** Presses Tab until `target` has the focus (as a keyboard user moves through the page). */
async function tabTo(target: Locator, most = 120): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < most; i += 1) {
    if (await isFocused(target)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${most} presses of Tab never reached ${target}`);
}

describe.skipIf(!browserTestsRun)(
  "amending and cloning a license in the browser",
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      platform = await startPlatform({
        GATEWAY_ADMIN_USERNAME: adminCredentials.username,
        GATEWAY_ADMIN_PASSWORD: adminCredentials.password,
      });
      baseUrl = platform.uiUrl;
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await platform?.stop();
    });

    beforeEach(({ task, onTestFailed }) => {
      onTestFailed(async () => {
        const name = task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
        await page?.screenshot({ path: join(screenshots, `failed-amend-${name}.png`), fullPage: true });
      });
    });

    it("signs in, activates CRM, and has a license to amend", async () => {
      await signIn(page, baseUrl, adminCredentials);
      await menu().getByRole("link", { name: "Activation" }).click();
      await page
        .getByLabel(/^Activation license/)
        .fill(devActivationLicense({ dataDir: resolve(uiRoot, "../.data") }));
      await page.getByRole("button", { name: "Activate", exact: true }).click();
      await menu().getByRole("link", { name: "Licenses", exact: true }).waitFor();
      // Setting up is other tests' subject: the product, account and license come from the API.
      const product = await post(page, "/api/products", {
        code: "collector",
        name: "Collector",
        defaults: { durationDays: 365, availableActivations: 3 },
      });
      expect(product.status).toBe(201);
      const account = await post(page, "/api/accounts", { type: "customer", name: "Stark Industries" });
      const accountId = (account.body as { id: string }).id;
      const created = await post(page, "/api/licenses", {
        accountId,
        products: ["collector"],
        kind: "commercial",
      });
      expect(created.status).toBe(201);
      issued = (created.body as { licenses: IssuedLicense[] }).licenses[0]!;
    });

    it("amends the license with the keyboard only, and shows the new version", async () => {
      const id = issued.license.id;
      await page.goto(`${baseUrl}/crm/licenses/${id}`);
      await tabTo(page.getByRole("link", { name: "Amend", exact: true }));
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: `Amend license …-${issued.license.keyHint}` }).waitFor();

      const activations = page.getByRole("textbox", { name: /^Available activations/ });
      await tabTo(activations);
      await expect.poll(() => activations.inputValue()).toBe("3");
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type("5");
      await tabTo(page.getByRole("textbox", { name: /^Reason/ }));
      await page.keyboard.type("Two more machines, ordered by phone");
      await tabTo(page.getByRole("button", { name: "Sign amended version" }));
      await page.keyboard.press("Enter");

      // The outcome is where the user looks: focused on the license page, and announced.
      const outcome = page.getByRole("alert").filter({ hasText: "License amended" });
      await outcome.waitFor();
      await expect.poll(() => page.url()).toBe(`${baseUrl}/crm/licenses/${id}`);
      await expect.poll(() => isFocused(outcome)).toBe(true);
      expect(await outcome.textContent()).toMatch(/Version 2 is signed with the new activations/);
      await expect
        .poll(() => page.getByRole("status").filter({ hasText: "The license was amended" }).count())
        .toBe(1);
      const newest = page.getByRole("row").filter({ hasText: "amended" });
      await newest.waitFor();
      expect(await newest.getByRole("cell").first().textContent()).toBe("2");
      await page.screenshot({ path: join(screenshots, "amend-outcome.png"), fullPage: true });

      const versions = await page.evaluate(
        async (path) => (await fetch(path)).json(),
        `/api/licenses/${id}/versions`,
      );
      expect((versions as { items: { serial: number; amended: boolean }[] }).items[0]).toMatchObject({
        serial: 2,
        amended: true,
      });
    });

    it("clones the license into a prefilled generator, and generates a new one", async () => {
      await tabTo(page.getByRole("link", { name: "Clone as new license" }));
      await page.keyboard.press("Enter");
      await page.getByText(`Prefilled from license …-${issued.license.keyHint}`).waitFor();
      expect(page.url()).toBe(`${baseUrl}/crm/generator?from=${issued.license.id}`);
      await expect
        .poll(() => page.getByRole("textbox", { name: /^Available activations/ }).inputValue())
        .toBe("5");
      await expect
        .poll(() => page.getByRole("textbox", { name: /^Duration \(days\)/ }).inputValue())
        .toBe("365");
      await tabTo(page.getByRole("button", { name: "Generate license" }));
      await page.keyboard.press("Enter");
      const result = page.getByRole("region", { name: "License created" });
      await result.waitFor();
      await expect.poll(() => isFocused(result)).toBe(true);
      await page.screenshot({ path: join(screenshots, "amend-clone.png"), fullPage: true });
      // A new license: another id and key, and the original untouched.
      const listed = await page.evaluate(async () => (await fetch("/api/licenses")).json());
      const items = (listed as { items: { id: string; availableActivations: number; serial: number }[] })
        .items;
      expect(items).toHaveLength(2);
      const clone = items.find((item) => item.id !== issued.license.id);
      expect(clone).toMatchObject({ availableActivations: 5, serial: 1 });
    });
  },
);
