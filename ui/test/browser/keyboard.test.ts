// Keyboard-only work (issue 17, WCAG 2.1.1) in Debian's Chromium (playwright-core), against the
// platform as `npm start` starts it, on this file's own database and subjects: an operator who uses
// no pointer signs in, generates a license and imports accounts from a CSV with Tab, arrows, typing,
// Enter and Space only. Each step moves the focus with Tab until it reaches the control a sighted
// keyboard user would reach, so a control that Tab never reaches fails the test.
// Screenshots go to test-artifacts/screenshots (keyboard-*.png).
import { join, resolve } from "node:path";
import { devActivationLicense } from "@licensing/gateway/dev-activation";
import { type StartedPlatform, startPlatform } from "@licensing/testing";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { browserTestsRun, launchChromium, post, screenshots, uiRoot } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the keyboard" };

let platform: StartedPlatform;
let browser: Browser;
let page: Page;
let baseUrl: string;

/** Whether the focus is on `target` or inside it. */
const focused = (target: Locator) =>
  target.evaluate((element) => {
    const active = element.ownerDocument.activeElement;
    return element === active || element.contains(active);
  });

/** Presses Tab (Shift+Tab when `back`) until the focus reaches `target`; fails if it never does. */
async function tabTo(target: Locator, { back = false, max = 80 } = {}): Promise<void> {
  await target.waitFor();
  for (let presses = 0; presses < max; presses += 1) {
    if (await focused(target)) return;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Opens a page by its name through the command palette (Ctrl-K, type, Enter). */
async function goTo(name: string): Promise<void> {
  await page.keyboard.press("Control+K");
  const box = page.getByRole("dialog", { name: "Search everywhere" }).getByRole("combobox");
  await box.waitFor();
  await page.keyboard.type(name);
  await page
    .getByRole("dialog", { name: "Search everywhere" })
    .getByRole("option", { name })
    .first()
    .waitFor();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name, exact: true }).waitFor();
}

async function licensesOf(accountId: string): Promise<number> {
  const listed = await page.evaluate(async (id) => {
    const response = await fetch(`/api/licenses?accountId=${id}`);
    return (await response.json()) as { items: unknown[] };
  }, accountId);
  return listed.items.length;
}

describe.skipIf(!browserTestsRun)("keyboard-only work in the browser", { timeout: 120_000 }, () => {
  let accountId: string;

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
      await page?.screenshot({ path: join(screenshots, `failed-keyboard-${name}.png`), fullPage: true });
    });
  });

  it("signs in with the keyboard; the CRM module, a product and an account come from the API", async () => {
    await page.goto(`${baseUrl}/`);
    await tabTo(page.getByLabel(/^Username/));
    await page.keyboard.type(adminCredentials.username);
    await tabTo(page.getByLabel(/^Password/));
    await page.keyboard.type(adminCredentials.password);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Main menu" }).waitFor();
    // What is set up here is other tests' subject.
    const activation = devActivationLicense({ dataDir: resolve(uiRoot, "../.data") });
    const activated = await page.evaluate(async (licenseFile) => {
      const session = (await (await fetch("/api/auth/session")).json()) as { csrfToken: string };
      const response = await fetch("/api/modules/crm/activation", {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrfToken },
        body: JSON.stringify({ licenseFile }),
      });
      await response.text();
      return response.status;
    }, activation);
    expect(activated).toBe(200);
    expect((await post(page, "/api/products", { code: "scanner", name: "Code Scanner" })).status).toBe(201);
    const account = await post(page, "/api/accounts", { type: "customer", name: "Umbrella Corporation" });
    expect(account.status).toBe(201);
    accountId = (account.body as { id: string }).id;
    await page.reload();
    await page
      .getByRole("navigation", { name: "Main menu" })
      .getByRole("link", { name: "Licenses" })
      .waitFor();
  });

  it("generates a license: the focus lands on the result, and the form cannot send it twice", async () => {
    await goTo("License generator");
    const account = page.getByRole("textbox", { name: /^Account/ });
    await tabTo(account);
    await page.keyboard.type("Umbrel");
    await page.getByRole("option", { name: /Umbrella Corporation/ }).waitFor();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await expect.poll(() => account.inputValue()).toMatch(/Umbrella Corporation/);
    // The only product is chosen already, its catalog defaults filled in.
    await page
      .getByText("Code Scanner's catalog defaults filled the fields below", { exact: false })
      .waitFor();
    await tabTo(page.getByRole("button", { name: "Generate license" }));
    await page.keyboard.press("Enter");
    const result = page.getByRole("region", { name: "License created" });
    await result.waitFor();
    await expect.poll(() => focused(result)).toBe(true);
    await expect(result.getByTestId("license-key").textContent()).resolves.toMatch(/^LK-/);
    await page.screenshot({ path: join(screenshots, "keyboard-generated.png"), fullPage: true });
    // Enter again where the button was: the form is locked behind "Generate another".
    await page.keyboard.press("Enter");
    expect(await licensesOf(accountId)).toBe(1);
    await tabTo(result.getByRole("button", { name: "Generate another" }));
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page.getByRole("group", { name: "License parameters" }))).toBe(true);
  });

  it("imports accounts from a CSV: file chosen, previewed and imported from the keyboard", async () => {
    await goTo("Customer accounts");
    await tabTo(page.getByRole("link", { name: "Import CSV" }));
    await page.keyboard.press("Enter");
    const chooseFile = page.getByRole("button", { name: /^CSV file/ });
    await tabTo(chooseFile);
    const csv = ["External ID;Account Name;Type", "INI-1;Initech;prospect", "GLX-1;Globex;customer"].join(
      "\n",
    );
    const chooser = page.waitForEvent("filechooser");
    await page.keyboard.press("Space");
    await (await chooser).setFiles({ name: "crm.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByText("2 data rows found.").waitFor();
    await tabTo(page.getByRole("button", { name: "Preview", exact: true }));
    await page.keyboard.press("Enter");
    const importButton = page.getByRole("button", { name: "Import 2 rows" });
    await tabTo(importButton);
    await page.keyboard.press("Enter");
    await page.getByText("Import finished").waitFor();
    await page.screenshot({ path: join(screenshots, "keyboard-imported.png"), fullPage: true });
    const listed = await page.evaluate(async () => {
      const response = await fetch("/api/accounts?query=Initech");
      return (await response.json()) as { items: { name: string }[] };
    });
    expect(listed.items.map((a) => a.name)).toContain("Initech");
  });
});
