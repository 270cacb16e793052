// Amending a license and cloning it as a new one (issue 17) in Debian's Chromium (playwright-core),
// against the platform as `npm start` starts it, on this file's own database and subjects. Both are
// done with the keyboard only: Tab to each control, Enter to press it, typing into fields; no click.
// Screenshots go to test-artifacts/screenshots (amend-*.png).
import { join } from "node:path";
import type { IssuedLicense } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import {
  activateCrm,
  browserSession,
  browserTestsRun,
  focused,
  post,
  screenshots,
  signIn,
  tabTo,
} from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for amendments" };
const session = browserSession("amend", { credentials: adminCredentials });

let issued: IssuedLicense;

describe.skipIf(!browserTestsRun)(
  "amending and cloning a license in the browser",
  { timeout: 180_000 },
  () => {
    it("signs in, activates CRM, and has a license to amend", async () => {
      const { page, baseUrl } = session;
      await signIn(page, baseUrl, adminCredentials);
      // Setting up is other tests' subject: CRM, the product, account and license come from the API.
      await activateCrm(page);
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
      const { page, baseUrl } = session;
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
      await expect.poll(() => focused(outcome)).toBe(true);
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
      const { page, baseUrl } = session;
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
      await expect.poll(() => focused(result)).toBe(true);
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
