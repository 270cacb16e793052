// Saved views and the accounts table's bulk actions (issue 17) in Debian's Chromium (playwright-core),
// against the platform as `npm start` starts it, on this file's own database and subjects: a view
// saved on each table comes back after a reload; selected accounts are exported (the downloaded CSV
// read) and promoted to customers after a confirmation naming the count, with each account's result;
// the same done with the keyboard alone; axe-core on the accounts page with a selection.
// Screenshots go to test-artifacts/screenshots (accounts-bulk-*.png).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Account } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import {
  activateCrm,
  browserSession,
  browserTestsRun,
  expectAccessible,
  focused,
  post,
  screenshots,
  signIn,
  tabTo,
} from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for accounts in bulk" };
const session = browserSession("accounts-bulk", { credentials: adminCredentials });

const accounts: Record<string, Account> = {};

/** Creates an account through the API (the form is another test's subject). */
async function account(name: string, type: Account["type"], archived = false): Promise<void> {
  const created = await post(session.page, "/api/accounts", { type, name, country: "FR" });
  expect(created.status).toBe(201);
  const made = created.body as Account;
  if (archived) expect((await post(session.page, `/api/accounts/${made.id}/archive`, {})).status).toBe(200);
  accounts[name] = made;
}

async function typeOf(name: string): Promise<Account["type"]> {
  return session.page.evaluate(
    async (id) => ((await (await fetch(`/api/accounts/${id}`)).json()) as Account).type,
    accounts[name]!.id,
  );
}

/** Saves the filters now in the address under `name` through the Views menu. */
async function saveView(name: string): Promise<void> {
  const { page } = session;
  await page.getByRole("button", { name: "Views" }).click();
  await page.getByRole("menuitem", { name: "Save current filters…" }).click();
  const dialog = page.getByRole("dialog", { name: "Save the current filters" });
  await dialog.getByRole("textbox", { name: /^Name/ }).fill(name);
  await dialog.getByRole("button", { name: "Save view" }).click();
  await dialog.waitFor({ state: "detached" });
}

/** Picks the saved view `name` from the Views menu. */
async function pickView(name: string): Promise<void> {
  await session.page.getByRole("button", { name: "Views" }).click();
  await session.page.getByRole("menuitem", { name }).click();
}

describe.skipIf(!browserTestsRun)(
  "saved views and accounts in bulk, in the browser",
  { timeout: 120_000 },
  () => {
    it("signs in, activates CRM, and has prospects, a customer and an archived prospect", async () => {
      await signIn(session.page, session.baseUrl, adminCredentials);
      await activateCrm(session.page);
      await account("Zephyr Alpha", "prospect");
      await account("Zephyr Beta", "prospect");
      await account("Zephyr Gamma", "customer");
      await account("Quokka One", "prospect");
      await account("Quokka Two", "prospect", true);
    });

    it("saves a view of the licenses table's filters, and brings it back after a reload", async () => {
      const { page, baseUrl } = session;
      await page.goto(`${baseUrl}/crm/licenses?kind=test`);
      await page.getByRole("heading", { name: "Licenses", exact: true }).waitFor();
      await saveView("Test licenses only");
      await page.reload();
      await page.getByRole("button", { name: /^Clear filters/ }).click();
      await expect.poll(() => new URL(page.url()).search).toBe("");
      await pickView("Test licenses only");
      await expect.poll(() => new URL(page.url()).search).toBe("?kind=test");
      await expect.poll(() => page.getByRole("textbox", { name: "Kind" }).inputValue()).toBe("Test");
    });

    it("saves a view of the accounts list's search and type, and brings it back after a reload", async () => {
      const { page, baseUrl } = session;
      await page.goto(`${baseUrl}/crm/accounts`);
      await page.getByRole("searchbox", { name: "Search" }).fill("Zephyr");
      await page.getByText("Prospects", { exact: true }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("Zephyr");
      await expect.poll(() => new URL(page.url()).searchParams.get("type")).toBe("prospect");
      // Saved once the page shows both (a user saves what is on screen): the address changes first,
      // and on a starved machine the page's render of it can come later than the next click.
      await page.getByText("2 accounts match").waitFor();
      await saveView("Zephyr prospects");
      await page.reload();
      await page.goto(`${baseUrl}/crm/accounts`);
      await page.getByRole("link", { name: "Quokka One" }).waitFor();
      await pickView("Zephyr prospects");
      await expect.poll(() => page.getByRole("searchbox", { name: "Search" }).inputValue()).toBe("Zephyr");
      await expect.poll(() => new URL(page.url()).searchParams.get("type")).toBe("prospect");
      // The list is the view's: the two Zephyr prospects, not the customer nor the others.
      await page.getByText("2 accounts match").waitFor();
      await page.getByRole("link", { name: "Quokka One" }).waitFor({ state: "detached" });
      await page.getByRole("link", { name: "Zephyr Alpha" }).waitFor();
      await page.getByRole("link", { name: "Zephyr Beta" }).waitFor();
    });

    it("exports the selected accounts as CSV: the downloaded file holds them, with their ids", async () => {
      const { page } = session;
      await page.getByRole("checkbox", { name: "Select account Zephyr Alpha" }).click();
      await page.getByRole("checkbox", { name: "Select account Zephyr Beta" }).click();
      const bar = page.getByRole("region", { name: "Selected accounts" });
      await bar.getByText("2 accounts selected").waitFor();
      await expectAccessible(page, "the accounts page with two accounts selected");
      await page.screenshot({ path: join(screenshots, "accounts-bulk-selected.png") });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        bar.getByRole("button", { name: "Export selected" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("accounts-selected.csv");
      const csv = await readFile(await download.path(), "utf8");
      const lines = csv
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\r\n");
      expect(lines[0]).toBe(
        "Account id,Name,Type,Archived,Country code,Country,Sales owner,Main contact,External id,Updated",
      );
      expect(lines.slice(1).sort()).toEqual(
        ["Zephyr Alpha", "Zephyr Beta"]
          .map((name) => {
            const a = accounts[name]!;
            return `${a.id},${name},prospect,false,FR,France,,,,${a.updatedAt}`;
          })
          .sort(),
      );
    });

    it("promotes the two selected accounts after a confirmation naming the count, with each result", async () => {
      const { page } = session;
      const bar = page.getByRole("region", { name: "Selected accounts" });
      await bar.getByRole("button", { name: "Promote to customer…" }).click();
      const dialog = page.getByRole("dialog", { name: "Promote 2 accounts to customers?" });
      await dialog.waitFor();
      await dialog.getByRole("button", { name: "Promote 2 accounts to customers" }).click();
      const done = page.getByRole("dialog", { name: "Promote 2 accounts to customers: finished" });
      await done.getByText("2 promoted, 0 refused, 0 failed.").waitFor();
      const results = done.getByRole("table", { name: "Result per account" });
      for (const name of ["Zephyr Alpha", "Zephyr Beta"])
        await results.getByRole("row").filter({ hasText: name }).getByText("Done", { exact: true }).waitFor();
      await page.screenshot({ path: join(screenshots, "accounts-bulk-promoted.png") });
      await done.getByRole("button", { name: "Close", exact: true }).click();
      await bar.waitFor({ state: "detached" });
      expect([await typeOf("Zephyr Alpha"), await typeOf("Zephyr Beta")]).toEqual(["customer", "customer"]);
    });

    it("promotes with the keyboard alone, an archived account refused with its reason", async () => {
      const { page, baseUrl } = session;
      await page.goto(`${baseUrl}/crm/accounts?q=Quokka&archived=1`);
      await page.getByRole("checkbox", { name: "Select account Quokka Two" }).waitFor();
      await expect.poll(() => page.getByRole("checkbox", { name: /^Select account / }).count()).toBe(2);
      await tabTo(page.getByRole("checkbox", { name: "Select every account on this page" }));
      await page.keyboard.press("Space");
      const bar = page.getByRole("region", { name: "Selected accounts" });
      await bar.getByText("2 accounts selected").waitFor();
      await tabTo(bar.getByRole("button", { name: "Promote to customer…" }));
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Promote 2 accounts to customers?" });
      await dialog.waitFor();
      await tabTo(dialog.getByRole("button", { name: "Promote 2 accounts to customers" }), { max: 10 });
      await page.screenshot({ path: join(screenshots, "accounts-bulk-confirm.png") });
      await page.keyboard.press("Enter");

      const done = page.getByRole("dialog", { name: "Promote 2 accounts to customers: finished" });
      await done.getByText("1 promoted, 1 refused, 0 failed.").waitFor();
      const archivedRow = done.getByRole("row").filter({ hasText: "Quokka Two" });
      await archivedRow.getByText("Refused", { exact: true }).waitFor();
      await archivedRow.getByText("The account is archived: restore it before promoting it.").waitFor();
      await expectAccessible(page, "the accounts bulk results");
      await page.screenshot({ path: join(screenshots, "accounts-bulk-results.png") });
      // The focus is on Close; Enter closes the dialog and clears the selection.
      await expect.poll(() => focused(done.getByRole("button", { name: "Close", exact: true }))).toBe(true);
      await page.keyboard.press("Enter");
      await bar.waitFor({ state: "detached" });
      expect([await typeOf("Quokka One"), await typeOf("Quokka Two")]).toEqual(["customer", "prospect"]);
    });
  },
);
