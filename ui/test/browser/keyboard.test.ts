// Keyboard-only work (issue 17, WCAG 2.1.1) in Debian's Chromium (playwright-core), against the
// platform as `npm start` starts it, on this file's own database and subjects: an operator who uses
// no pointer signs in, generates a license and imports accounts from a CSV with Tab, arrows, typing,
// Enter and Space only. Each step moves the focus with Tab until it reaches the control a sighted
// keyboard user would reach, so a control that Tab never reaches fails the test.
// Screenshots go to test-artifacts/screenshots (keyboard-*.png).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  activateCrm,
  browserSession,
  browserTestsRun,
  focused,
  post,
  screenshots,
  tabTo,
} from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the keyboard" };
const session = browserSession("keyboard", { credentials: adminCredentials });

/** Opens a page by its name through the command palette (Ctrl-K, type, Enter). */
async function goTo(name: string): Promise<void> {
  await session.page.keyboard.press("Control+K");
  const box = session.page.getByRole("dialog", { name: "Search everywhere" }).getByRole("combobox");
  await box.waitFor();
  // The palette moves the focus into its box once it has opened: keys typed before would go elsewhere.
  await expect.poll(() => focused(box)).toBe(true);
  await session.page.keyboard.type(name);
  await session.page
    .getByRole("dialog", { name: "Search everywhere" })
    .getByRole("option", { name })
    .first()
    .waitFor();
  await session.page.keyboard.press("Enter");
  await session.page.getByRole("heading", { name, exact: true }).waitFor();
}

async function licensesOf(accountId: string): Promise<number> {
  const listed = await session.page.evaluate(async (id) => {
    const response = await fetch(`/api/licenses?accountId=${id}`);
    return (await response.json()) as { items: unknown[] };
  }, accountId);
  return listed.items.length;
}

describe.skipIf(!browserTestsRun)("keyboard-only work in the browser", { timeout: 120_000 }, () => {
  let accountId: string;

  it("signs in with the keyboard; the CRM module, a product and an account come from the API", async () => {
    await session.page.goto(`${session.baseUrl}/`);
    await tabTo(session.page.getByLabel(/^Username/));
    await session.page.keyboard.type(adminCredentials.username);
    await tabTo(session.page.getByLabel(/^Password/));
    await session.page.keyboard.type(adminCredentials.password);
    await session.page.keyboard.press("Enter");
    await session.page.getByRole("navigation", { name: "Main menu" }).waitFor();
    // What is set up here is other tests' subject.
    await activateCrm(session.page);
    expect(
      (await post(session.page, "/api/products", { code: "scanner", name: "Code Scanner" })).status,
    ).toBe(201);
    const account = await post(session.page, "/api/accounts", {
      type: "customer",
      name: "Umbrella Corporation",
    });
    expect(account.status).toBe(201);
    accountId = (account.body as { id: string }).id;
  });

  it("generates a license: the focus lands on the result, and the form cannot send it twice", async () => {
    await goTo("License generator");
    const account = session.page.getByRole("textbox", { name: /^Account/ });
    await tabTo(account);
    await session.page.keyboard.type("Umbrel");
    await session.page.getByRole("option", { name: /Umbrella Corporation/ }).waitFor();
    await session.page.keyboard.press("ArrowDown");
    await session.page.keyboard.press("Enter");
    await expect.poll(() => account.inputValue()).toMatch(/Umbrella Corporation/);
    // The only product is chosen already, its catalog defaults filled in.
    await session.page
      .getByText("Code Scanner's catalog defaults filled the fields below", { exact: false })
      .waitFor();
    await tabTo(session.page.getByRole("button", { name: "Generate license" }));
    await session.page.keyboard.press("Enter");
    const result = session.page.getByRole("region", { name: "License created" });
    await result.waitFor();
    await expect.poll(() => focused(result)).toBe(true);
    await expect(result.getByTestId("license-key").textContent()).resolves.toMatch(/^LK-/);
    await session.page.screenshot({ path: join(screenshots, "keyboard-generated.png"), fullPage: true });
    // Enter again where the button was: the form is locked behind "Generate another".
    await session.page.keyboard.press("Enter");
    expect(await licensesOf(accountId)).toBe(1);
    await tabTo(result.getByRole("button", { name: "Generate another" }));
    await session.page.keyboard.press("Enter");
    await expect
      .poll(() => focused(session.page.getByRole("group", { name: "License parameters" })))
      .toBe(true);
  });

  it("imports accounts from a CSV: file chosen, previewed and imported from the keyboard", async () => {
    await goTo("Customer accounts");
    await tabTo(session.page.getByRole("link", { name: "Import CSV" }));
    await session.page.keyboard.press("Enter");
    // Listening before the focus moves: Playwright turns on Chromium's file chooser interception
    // asynchronously, and a Space pressed before it is on opens a native dialog that no event reports.
    const chooser = session.page.waitForEvent("filechooser");
    const chooseFile = session.page.getByRole("button", { name: /^CSV file/ });
    await tabTo(chooseFile);
    const csv = ["External ID;Account Name;Type", "INI-1;Initech;prospect", "GLX-1;Globex;customer"].join(
      "\n",
    );
    await session.page.keyboard.press("Space");
    await (await chooser).setFiles({ name: "crm.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await session.page.getByText("2 data rows found.").waitFor();
    await tabTo(session.page.getByRole("button", { name: "Preview", exact: true }));
    await session.page.keyboard.press("Enter");
    const importButton = session.page.getByRole("button", { name: "Import 2 rows" });
    await tabTo(importButton);
    await session.page.keyboard.press("Enter");
    await session.page.getByText("Import finished").waitFor();
    await session.page.screenshot({ path: join(screenshots, "keyboard-imported.png"), fullPage: true });
    const listed = await session.page.evaluate(async () => {
      const response = await fetch("/api/accounts?query=Initech");
      return (await response.json()) as { items: { name: string }[] };
    });
    expect(listed.items.map((a) => a.name)).toContain("Initech");
  });
});
