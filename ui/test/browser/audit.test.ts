// Settings → Audit in Debian's Chromium (playwright-core), against a real gateway and catalog on this
// file's own database and subjects: an auditor sees the audit menu entry and nothing else, reads the
// merged log (a failed sign-in from the gateway, an account from the catalog), filters it by action,
// and exports the selection as CSV. Screenshots go to test-artifacts/screenshots.
import { catalog } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import { browserTestsRun, gatewaySession, shot, signIn } from "./support.ts";

const session = gatewaySession("audit", {
  gateway: { catalog: true },
  prepare: async (platform) => {
    await platform.env.bus.request(
      catalog.createAccount,
      { type: "customer", name: "Audited & Sons" },
      {
        ctx: {
          requestId: "req_browser_audit",
          actor: { id: "usr_seed", username: "lea@example.test", roles: ["license-admin"] },
        },
      },
    );
    await platform.userWith(["auditor"], "audrey");
    return undefined;
  },
  timeout: 15_000,
});

describe.skipIf(!browserTestsRun)("Settings → Audit in a browser", () => {
  it("shows an auditor the merged log, filtered, and exports it", async () => {
    const { page, baseUrl, cspViolations } = session;
    // A failed sign-in first: the gateway records it.
    await page.goto(`${baseUrl}/`);
    await page.getByLabel(/^Username/).fill("audrey");
    await page.getByLabel(/^Password/).fill("a-wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Wrong username or password").waitFor();
    await signIn(page, baseUrl, { username: "audrey", password: "audrey-own-password" });

    const menu = page.getByRole("navigation", { name: "Main menu" });
    expect(await menu.getByRole("link").allTextContents()).toEqual(["Audit"]);
    await menu.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit" }).waitFor();
    const table = page.getByRole("table");
    await table.getByText("user.sign-in-failed").waitFor();
    await table.getByText("account.created").waitFor();
    await table.getByText("lea@example.test").waitFor();
    // Services that do not run beside this gateway are named, not hidden.
    await page.getByText("Some services did not answer").waitFor();
    await shot(page, "50-audit");

    await page.getByRole("textbox", { name: "Action" }).fill("account.*");
    await table.getByText("user.sign-in-failed").waitFor({ state: "detached" });
    await table.getByText("account.created").waitFor();
    expect(page.url()).toContain("action=account.*");
    await shot(page, "51-audit-filtered");

    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toBe("/api/audit.csv?action=account.*");
    const csv = await page.evaluate(async (path) => (await fetch(path)).text(), href!);
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\n");
    expect(lines[0]).toBe(
      "Time,Service,Actor id,Actor,Action,Entity type,Entity id,Request id,Reason,Changes,Chain",
    );
    expect(
      lines.slice(1).every((line) => line.includes(",catalog,usr_seed,lea@example.test,account.created,")),
    ).toBe(true);
    expect(lines).toHaveLength(2);
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
