// Bulk actions (issue 17) in Debian's Chromium (playwright-core), against the platform as `npm start`
// starts it, on this file's own database and subjects: licenses of one account selected and renewed
// with the keyboard alone (Tab, Space, Enter), the confirmation naming the count, and the result of
// each license at the end, a revoked one refused with its reason. Screenshots go to
// test-artifacts/screenshots (bulk-*.png).
import { join } from "node:path";
import type { IssuedLicense, LicenseDetail } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import { activateCrm, browserSession, browserTestsRun, post, screenshots, signIn } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for bulk work" };
const session = browserSession("bulk", {
  credentials: adminCredentials,
  viewport: { width: 1440, height: 900 },
});

let accountId: string;
const issued: IssuedLicense[] = [];

/** The accessible name of the focused element (its aria-label, or its text). */
async function focusedName(): Promise<string> {
  const focused = session.page.locator(":focus");
  if ((await focused.count()) === 0) return "";
  return (await focused.getAttribute("aria-label")) ?? (await focused.textContent())?.trim() ?? "";
}

/** Presses Tab until the focus is on the element named `name`, as a keyboard user walks a page. */
async function tabTo(name: string, limit = 120): Promise<void> {
  for (let presses = 0; presses < limit; presses += 1) {
    if ((await focusedName()) === name) return;
    await session.page.keyboard.press("Tab");
  }
  throw new Error(`${limit} presses of Tab never reached "${name}" (now on "${await focusedName()}")`);
}

describe.skipIf(!browserTestsRun)("bulk actions in the browser", { timeout: 120_000 }, () => {
  it("signs in, activates CRM, and has an account with three licenses, one revoked", async () => {
    const { page, baseUrl } = session;
    await signIn(page, baseUrl, adminCredentials);
    // The forms are other tests' subject: CRM's activation and the licenses come straight from the API.
    await activateCrm(page);
    expect((await post(page, "/api/products", { code: "scanner", name: "Code Scanner" })).status).toBe(201);
    const account = await post(page, "/api/accounts", { type: "customer", name: "Bulk Widgets" });
    expect(account.status).toBe(201);
    accountId = (account.body as { id: string }).id;
    const created = await post(page, "/api/licenses", {
      accountId,
      products: ["scanner"],
      kind: "commercial",
      durationDays: 365,
      count: 3,
    });
    expect(created.status).toBe(201);
    issued.push(...(created.body as { licenses: IssuedLicense[] }).licenses);
    const revoked = issued[2]!.license.id;
    expect((await post(page, `/api/licenses/${revoked}/revoke`, { reason: "chargeback" })).status).toBe(200);
  });

  it("selects the account's licenses and renews them with the keyboard alone, showing each result", async () => {
    const { page, baseUrl } = session;
    await page.goto(`${baseUrl}/crm/licenses?accountId=${accountId}`);
    await page
      .getByRole("checkbox", { name: /^Select license/ })
      .first()
      .waitFor();
    await expect.poll(() => page.getByRole("checkbox", { name: /^Select license/ }).count()).toBe(3);
    // Tab to the header's checkbox, Space selects the page.
    await tabTo("Select every license on this page");
    await page.keyboard.press("Space");
    const bar = page.getByRole("region", { name: "Selected licenses" });
    await bar.getByText("3 licenses selected").waitFor();
    await tabTo("Renew…");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Renew 3 licenses?" });
    await dialog.waitFor();
    // The focus starts in the dialog, on the days; Tab walks to the confirmation.
    await expect.poll(focusedName).not.toBe("Renew…");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("30");
    await tabTo("Renew 3 licenses", 10);
    await page.screenshot({ path: join(screenshots, "bulk-confirm.png") });
    await page.keyboard.press("Enter");

    const done = page.getByRole("dialog", { name: "Renew 3 licenses: finished" });
    await done.getByText("2 renewed, 1 refused, 0 failed.").waitFor();
    const results = done.getByRole("table", { name: "Result per license" });
    const revokedRow = results.getByRole("row").filter({ hasText: issued[2]!.license.keyHint });
    await revokedRow.getByText("Refused", { exact: true }).waitFor();
    await revokedRow.getByText(/is revoked; it cannot be renewed/).waitFor();
    await page.screenshot({ path: join(screenshots, "bulk-results.png") });
    // The focus is on Close; Enter closes the dialog and the selection is cleared.
    await expect.poll(focusedName).toBe("Close");
    await page.keyboard.press("Enter");
    await bar.waitFor({ state: "detached" });

    for (const [index, serial] of [
      [0, 2],
      [1, 2],
      [2, 1],
    ] as const) {
      const detail = await page.evaluate(
        async (id) => (await (await fetch(`/api/licenses/${id}`)).json()) as LicenseDetail,
        issued[index]!.license.id,
      );
      expect(detail.serial, `license ${index}`).toBe(serial);
    }
  });
});
