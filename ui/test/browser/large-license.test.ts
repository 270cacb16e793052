// A license at the model's 2 MiB limit through the operator UI in Debian's Chromium (playwright-core),
// against the platform as `npm start` starts it, on this file's own database and subjects: its
// metadata imported into the generator from a JSON file, the license created, listed and exported,
// its page showing the metadata collapsed and whole on request, renewed and re-issued with the page
// still usable. Screenshots go to test-artifacts/screenshots (large-*.png).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activateCrm, browserSession, browserTestsRun, post, screenshots, signIn } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the large license" };
// Signing and carrying 2 MiB on a loaded machine may take a while; nothing here times it.
const session = browserSession("large", { credentials: adminCredentials, timeout: 60_000 });
let workDir: string;

/** 1,040 values of 2,000 characters: just under the 2 MiB a license carries, as the API test makes. */
const metadata: Record<string, string> = {};
for (let i = 0; i < 1_040; i++) metadata[`k${String(i).padStart(4, "0")}`] = `${i}`.padEnd(2_000, "x");

async function shot(name: string): Promise<void> {
  // A picture of what the page shows now (each step already waited for what it needs).
  await session.page.screenshot({ path: join(screenshots, `large-${name}.png`), fullPage: true });
}

const menu = () => session.page.getByRole("navigation", { name: "Main menu" });

/** Waits (as long as the page's default timeout) until `testId` shows text matching `text`. */
async function shows(testId: string, text: RegExp): Promise<void> {
  await session.page.getByTestId(testId).filter({ hasText: text }).waitFor();
}

// Each step moves megabytes through the browser, the gateway and the bus: minutes on a loaded machine.
describe.skipIf(!browserTestsRun)("a 2 MiB license in the browser", { timeout: 180_000 }, () => {
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "large-license-"));
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("signs in, activates CRM, and has a product and an account", async () => {
    const { page, baseUrl } = session;
    await signIn(page, baseUrl, adminCredentials);
    // The activation and the catalog's forms are other tests' subject: these come straight from the API.
    await activateCrm(page);
    expect((await post(page, "/api/products", { code: "collector", name: "Collector" })).status).toBe(201);
    expect((await post(page, "/api/accounts", { type: "customer", name: "Bigcorp" })).status).toBe(201);
  });

  it("creates a license from metadata imported as a JSON file, and downloads its file", async () => {
    const { page } = session;
    const file = join(workDir, "metadata.json");
    await writeFile(file, JSON.stringify(metadata, null, 2));
    await menu().getByRole("link", { name: "License generator" }).click();
    await page.getByRole("textbox", { name: /^Account/ }).fill("Bigcorp");
    await page.getByRole("option", { name: /Bigcorp/ }).click();
    await page.getByText("Collector's catalog defaults filled the fields below", { exact: false }).waitFor();
    await page.locator('input[type="file"][aria-label="Metadata JSON file"]').setInputFiles(file);
    await shows("metadata-summary", /^1,040 entries, 2\.0 MiB/);
    await shows("content-size", /License content: about 2\.0 MiB of 2 MiB.*Close to the limit/);
    // A summary, not a row of inputs per entry.
    expect(await page.getByRole("group", { name: "Metadata" }).getByRole("textbox").count()).toBe(0);
    await shot("01-generator-imported");
    // The same 2 MiB as JSON text: it opens, and applying it unchanged keeps every entry.
    await page.getByRole("button", { name: "Edit as JSON" }).click();
    const editor = page.getByRole("dialog", { name: "Metadata as JSON" });
    await expect
      .poll(() => editor.getByRole("textbox", { name: "Metadata as JSON" }).inputValue(), { timeout: 60_000 })
      .toBe(JSON.stringify(metadata, null, 2));
    await editor.getByRole("button", { name: "Apply" }).click();
    await editor.waitFor({ state: "hidden" });
    await shows("metadata-summary", /^1,040 entries, 2\.0 MiB/);

    // The form stays usable: another field edited beside the 2 MiB.
    await page.getByRole("textbox", { name: /^Available activations/ }).fill("7");
    await page.getByRole("button", { name: "Generate license" }).click();
    const key = page.getByTestId("license-key");
    await key.waitFor();
    expect(await key.textContent()).toMatch(/^LK-/);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download file" }).click();
    const licenseFile = await readFile((await (await download).path())!, "utf8");
    expect(licenseFile).toContain("-----BEGIN LICENSE FILE-----");
    expect(licenseFile.length).toBeGreaterThan(3_700_000);
    await shot("02-generator-created");
  });

  it("lists the license and exports it as any other", async () => {
    const { page } = session;
    await menu().getByRole("link", { name: "Licenses", exact: true }).click();
    await page.getByRole("cell", { name: "Bigcorp" }).first().waitFor();
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export CSV" }).click();
    const csv = (await readFile((await (await download).path())!, "utf8")).replace(/^\uFEFF/, "");
    const lines = csv.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(",Bigcorp,commercial,false,collector,");
    await shot("03-licenses");
  });

  it("shows the metadata collapsed on the license page, and all of it on request", async () => {
    const { page } = session;
    await page
      .getByRole("row", { name: /Bigcorp/ })
      .first()
      .getByRole("link", { name: /^…-/ })
      .click();
    await page.getByRole("heading", { name: /^License …-/ }).waitFor();
    const group = page.getByRole("group", { name: "Metadata" });
    await shows("metadata-summary", /^· 1,040 entries, 2\.0 MiB$/);
    expect(await group.getByTestId("entry").count()).toBe(5);
    await group.getByRole("button", { name: "Show the whole value of k0003" }).click();
    await group.getByText(metadata.k0003!, { exact: true }).waitFor();
    await shot("04-license-page");

    await group.getByRole("button", { name: "Show all 1,040" }).click();
    const dialog = page.getByRole("dialog", { name: "Metadata: 1,040 entries, 2.0 MiB" });
    await dialog.getByText("1–50 of 1,040 entries").waitFor();
    await dialog.getByRole("button", { name: "next page" }).click();
    await dialog.getByText("k0050", { exact: true }).waitFor();
    await dialog.getByRole("textbox", { name: "Find a key or value" }).fill("k1039");
    await dialog.getByText("1–1 of 1 entry").waitFor();
    await shot("05-license-all-metadata");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });

    const download = page.waitForEvent("download");
    await group.getByRole("button", { name: "Download metadata as JSON" }).click();
    const saved = JSON.parse(await readFile((await (await download).path())!, "utf8"));
    expect(saved).toEqual(metadata);
  });

  it("renews and re-issues it from the page, which stays usable", async () => {
    const { page } = session;
    await page.getByRole("button", { name: "Renew" }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByRole("textbox", { name: /^Extend by/ }).fill("30");
    await dialog.getByRole("button", { name: "Renew" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText(/version 2, signed/).waitFor();
    await page.getByRole("cell", { name: "renewed" }).waitFor();

    await page.getByRole("button", { name: "Re-issue" }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Re-issue" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText(/version 3, signed/).waitFor();
    await shows("metadata-summary", /^· 1,040 entries, 2\.0 MiB$/);

    // Still answering: the whole metadata opens and searches, the tabs switch.
    await page
      .getByRole("group", { name: "Metadata" })
      .getByRole("button", { name: "Show all 1,040" })
      .click();
    const all = page.getByRole("dialog", { name: /^Metadata: / });
    await all.getByRole("textbox", { name: "Find a key or value" }).fill("k0500");
    await all.getByText("k0500", { exact: true }).waitFor();
    await page.keyboard.press("Escape");
    await all.waitFor({ state: "hidden" });
    await page.getByRole("tab", { name: "Audit trail" }).click();
    await page.getByRole("cell", { name: "reissued", exact: true }).waitFor();
    await shot("06-license-renewed-reissued");
  });
});
