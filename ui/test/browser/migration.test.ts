// A legacy source migrated end to end through the operator UI in Debian's Chromium (playwright-core),
// against the platform as `npm start` starts it, on this file's own database, subjects and
// MIGRATION_ROOT (issue 14): a superadmin dry-runs the VBUC CLI License Generator's export, reads the
// counts, the issues and the CSV report, settles the account question, applies, and finds the
// licenses; a sales user is offered none of it; a long dry run is cancelled from its page. Screenshots go to test-artifacts/screenshots
// (migration-*.png).
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectedOutcome, writeLegacyExport } from "@licensing/migration/testing";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { activateCrm, browserSession, browserTestsRun, post, screenshots, signIn } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the migration" };
const ROWS = 60;
const expected = expectedOutcome(ROWS);
const invalid = Object.values(expected.invalid).reduce((a, b) => a + b, 0);
/** The names the run page gives the reasons the generator plants (run-text.ts's reasonNames). */
const plantedReasons: Record<string, string> = {
  unknown_product: "Unknown product",
  end_before_start: "End before start",
  duplicate_guid: "Duplicate GUID",
  invalid_date: "Invalid date",
  missing_required: "Missing required value",
  unknown_value: "Unknown value",
};

let root: string;
const session = browserSession("migration", {
  credentials: adminCredentials,
  // The migration service reads exports inside MIGRATION_ROOT only: this file's own.
  env: async () => {
    root = await mkdtemp(join(tmpdir(), "migration-browser-"));
    await mkdir(join(root, "vbuc-cli"));
    await writeLegacyExport(join(root, "vbuc-cli"), "vbuc-cli", { rows: ROWS, seed: 7 });
    return { MIGRATION_ROOT: root };
  },
  // A run reads, maps and imports on a loaded machine: allow it time, nothing here times it.
  timeout: 60_000,
});

async function shot(target: Page, name: string): Promise<void> {
  await target.waitForLoadState("networkidle");
  await target.screenshot({ path: join(screenshots, `migration-${name}.png`), fullPage: true });
}

const menu = (target: Page) => target.getByRole("navigation", { name: "Main menu" });

/** Waits until the run page's live region says the run has finished, and returns what it said. */
async function finished(title: string): Promise<string> {
  const status = session.page.getByRole("status").filter({ hasText: `${title} finished.` });
  await status.waitFor();
  return (await status.textContent()) ?? "";
}

/** The number a run report's figure shows (each figure card is titled with what it means). */
async function figure(hint: string): Promise<number> {
  const text = (await session.page.getByTitle(hint, { exact: true }).textContent()) ?? "";
  return Number(/^[\d,]+/.exec(text)?.[0].replaceAll(",", ""));
}

/** Fills the start form of Settings → Migration with the export of the VBUC CLI License Generator. */
async function chooseSource(location = "vbuc-cli"): Promise<void> {
  const form = session.page.getByRole("region", { name: "Start a run" });
  await form.getByRole("textbox", { name: /^Source/ }).click();
  await session.page.getByRole("option", { name: "VBUC CLI License Generator" }).click();
  await form.getByRole("textbox", { name: /^Location/ }).fill(location);
}

describe.skipIf(!browserTestsRun)("a legacy migration in the browser", { timeout: 120_000 }, () => {
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("signs in, activates CRM, and has the products the source's default mapping needs", async () => {
    const { page, baseUrl } = session;
    await signIn(page, baseUrl, adminCredentials);
    // The activation and the catalog's forms are other tests' subject: these come straight from the
    // API, the products as the migration service's own harness defines them.
    await activateCrm(page);
    for (const code of ["vbuc", "vbuc-asp", "vbuc-web"]) {
      const created = await post(page, "/api/products", {
        code,
        name: code,
        executionModes: [
          { code: "migration", name: "Migration" },
          { code: "scanning", name: "Scanning" },
        ],
        customFeatures: ["csharp", "vb.net", "asp"].map((feature) => ({ code: feature, name: feature })),
        unitsTypes: ["lines", "files"].map((units) => ({ code: units, name: units })),
      });
      expect(created.status).toBe(201);
    }
    // The CRM holds Globex twice: the matching cannot settle the export's GLOBEX INTL alone.
    for (const name of ["Globex Intl", "GLOBEX INTL Ltd"])
      expect((await post(page, "/api/accounts", { type: "customer", name })).status).toBe(201);
  });

  it("dry-runs the source: the counts, the issues with their reasons, and the CSV report", async () => {
    const { page } = session;
    await menu(page).getByRole("link", { name: "Migration", exact: true }).click();
    await page.getByRole("heading", { name: "Migration", exact: true }).waitFor();
    await chooseSource();
    await shot(page, "start");
    await page.getByRole("region", { name: "Start a run" }).getByRole("button", { name: "Dry run" }).click();
    await page.waitForURL(/\/settings\/migration\/runs\/run_/);
    const said = await finished("Dry run of VBUC CLI License Generator");
    expect(said).toMatch(new RegExp(`^Dry run of VBUC CLI License Generator finished\\. ${ROWS} rows: `));
    expect(said).toContain(`${invalid} invalid`);
    await page.getByRole("region", { name: "Dry run of VBUC CLI License Generator finished" }).waitFor();

    await page.getByText(`${ROWS} rows read, ${expected.valid} valid.`).waitFor();
    expect(await figure("Rows that could not be read or mapped")).toBe(invalid);
    // Every valid row would be imported, now or once its owner's account is decided.
    const wouldBeNew = await figure("Not yet in the platform");
    const awaiting = await figure("Left out until an account question is decided");
    expect(wouldBeNew + awaiting).toBe(expected.valid);
    expect(awaiting).toBeGreaterThan(0);
    expect(await figure("Owners the matching could not settle alone")).toBe(1);

    const issues = page.getByRole("region", { name: "Issues" });
    for (const reason of Object.keys(expected.invalid))
      await issues.getByText(plantedReasons[reason]!, { exact: true }).first().waitFor();
    await shot(page, "dry-run");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download report (CSV)" }).click();
    const csv = (await readFile((await (await download).path())!, "utf8")).replace(/^\uFEFF/, "");
    const lines = csv.trimEnd().split(/\r?\n/);
    expect(lines[0]).toMatch(/^run,run_\w+$/);
    expect(lines).toContain("mode,dry-run");
    expect(lines).toContain(`valid,${expected.valid}`);
    expect(lines).toContain(`invalid,${invalid}`);
    const header = lines.indexOf("table,row,column,legacy id,reason,message");
    expect(header).toBeGreaterThan(0);
    expect(lines.length - header - 1).toBeGreaterThanOrEqual(invalid);
  });

  it("decides the account question, applies after a confirmation, and lists the licenses", async () => {
    const { page } = session;
    await page.getByRole("link", { name: "answer the account questions" }).click();
    const questions = page.getByRole("region", { name: "Account questions" });
    const question = questions.getByRole("article", { name: /GLOBEX INTL/ });
    await question.getByText("several accounts have this name").waitFor();
    await shot(page, "question");
    await question.getByRole("button", { name: "Merge as one new account" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /GLOBEX INTL.*: merged into one new account\./ })
      .waitFor();
    await questions.getByText("No open questions.").waitFor();

    await chooseSource();
    await page.getByRole("region", { name: "Start a run" }).getByRole("button", { name: "Apply" }).click();
    const dialog = page.getByRole("dialog", { name: "Apply the migration of VBUC CLI License Generator?" });
    await dialog.getByText("Licenses will be created").waitFor();
    await shot(page, "apply-confirm");
    await dialog.getByRole("button", { name: "Apply and create licenses" }).click();
    await page.waitForURL(/\/settings\/migration\/runs\/run_/);
    await finished("Apply of VBUC CLI License Generator");
    // The question decided, every valid row is a new license.
    const created = await figure("Not yet in the platform");
    expect(created).toBe(expected.valid);
    expect(await figure("Left out until an account question is decided")).toBe(0);
    await page.getByRole("button", { name: "Roll back" }).waitFor();
    await shot(page, "run");

    // The platform had no license before: the dashboard counts exactly the run's new ones.
    await menu(page).getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("link", { name: `Licenses ${created}` }).waitFor();
    await menu(page).getByRole("link", { name: "Licenses", exact: true }).click();
    await page.getByRole("heading", { name: "Licenses", exact: true }).waitFor();
    await expect.poll(() => page.locator("tbody tr").count()).toBeGreaterThan(0);
    await page.getByRole("cell", { name: /^vbuc/ }).first().waitFor();
    await shot(page, "licenses");
  });

  it("offers a sales user no migration: not in the menu, and no access by URL", async () => {
    const { page, baseUrl } = session;
    await menu(page).getByRole("link", { name: "Users" }).click();
    await page.getByRole("button", { name: "New user" }).click();
    const created = page.getByRole("dialog");
    await created.getByLabel(/^Username/).fill("sam.sales");
    await created.getByRole("checkbox", { name: /^sales/ }).check();
    await created.getByRole("button", { name: "Create user" }).click();
    const temporaryPassword = (await page.getByTestId("temporary-password").textContent())!.trim();
    await page.getByRole("button", { name: "Done" }).click();

    const sales = await session.newPage();
    sales.setDefaultTimeout(30_000);
    await signIn(sales, baseUrl, { username: "sam.sales", password: temporaryPassword });
    await sales.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await sales.getByLabel(/^Current password/).fill(temporaryPassword);
    await sales.getByLabel(/^New password/).fill("sam's own long password");
    await sales.getByLabel(/^Repeat the new password/).fill("sam's own long password");
    await sales.getByRole("button", { name: "Change password" }).click();
    await menu(sales).getByRole("link", { name: "Licenses", exact: true }).waitFor();
    expect(await menu(sales).getByRole("link", { name: "Migration", exact: true }).count()).toBe(0);

    await sales.goto(`${baseUrl}/settings/migration`);
    await sales.getByRole("heading", { name: "No access" }).waitFor();
    expect(await sales.getByRole("button", { name: "Dry run" }).count()).toBe(0);
    await shot(sales, "sales-no-access");
    // The gateway refuses it anyway.
    const status = await sales.evaluate(async () => (await fetch("/api/migration/runs")).status);
    expect(status).toBe(403);
    await sales.context().close();
  });

  it("cancels a running dry run after a confirmation: it ends interrupted, saying who cancelled it", async () => {
    const { page } = session;
    // Large enough to be still running when the button is pressed.
    await mkdir(join(root, "vbuc-cli-large"));
    await writeLegacyExport(join(root, "vbuc-cli-large"), "vbuc-cli", { rows: 20_000, seed: 8 });
    await menu(page).getByRole("link", { name: "Migration", exact: true }).click();
    await chooseSource("vbuc-cli-large");
    await page.getByRole("region", { name: "Start a run" }).getByRole("button", { name: "Dry run" }).click();
    await page.waitForURL(/\/settings\/migration\/runs\/run_/);
    await page.getByRole("button", { name: "Cancel run" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel the dry run of VBUC CLI License Generator?" });
    await dialog.getByText("stops after the batch in flight").waitFor();
    await shot(page, "cancel-confirm");
    await dialog.getByRole("button", { name: "Cancel run" }).click();
    const outcome = page.getByRole("region", {
      name: "Dry run of VBUC CLI License Generator was interrupted",
    });
    // "Cancelling…" lasts as long as the batch in flight: a quick one ends before the page shows it.
    await page.getByRole("button", { name: "Cancelling…" }).or(outcome).first().waitFor();
    await outcome.getByText("Cancelled by admin.").waitFor();
    expect(await page.getByRole("button", { name: /^Cancel/ }).count()).toBe(0);
    await shot(page, "cancelled");
  });
});
