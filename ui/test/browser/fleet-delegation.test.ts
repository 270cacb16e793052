// A cockpit license's Fleet delegation tab (issue 19) in Debian's Chromium (playwright-core), against
// the platform as `npm start` starts it, on this file's own database and subjects. A real cockpit
// (@licensing/client's FleetAuthority) gets its certificate from the distribution service, signs
// leases for three collectors and collects their receipts; one receipt is left out of the first
// import, so the service finds a gap. The tab then shows it all in words, passes axe-core light and
// dark, and an operator imports the whole file, answers the cockpit's offline request and revokes
// the delegation with the keyboard only. Screenshots: fleet-delegation-*.png.
import { join } from "node:path";
import { type FleetAuthority, LicenseManager, MemoryStorage } from "@licensing/client";
import { leaseSeat, offlineCollector } from "@licensing/client/testing";
import type { DelegationStatus, IssuedLicense, ReceiptUpload } from "@licensing/contracts";
import type { Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
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

const adminCredentials = { username: "admin", password: "an admin password for the fleet delegation" };
const session = browserSession("fleet-delegation", { credentials: adminCredentials });

const SEATS = 5;
const COLLECTORS = 3;
const RUNS = 4;
/** The cockpit's own execution, recorded once. */
const COCKPIT_UNITS = 5;
/** What the collector at `i` consumes in its run `run`. */
const unitsOf = (i: number, run: number) => ((i + run) % 3) + 1;
/** Receipt 1 of the first collector is left out of the first import: a gap before position 2. */
const missingUnits = unitsOf(0, 1);
const allReceipts = COLLECTORS * RUNS + 1;
const allUnits =
  Array.from({ length: COLLECTORS }, (_, i) =>
    Array.from({ length: RUNS }, (_, run) => unitsOf(i, run)).reduce((a, b) => a + b, 0),
  ).reduce((a, b) => a + b, 0) + COCKPIT_UNITS;

let issued: IssuedLicense;
let authority: FleetAuthority;
/** The receipts file the cockpit exported, whole. */
let exported: ReceiptUpload;

/** Opens the license's Fleet delegation tab and waits until its tables are drawn. */
async function openTab(page: Page): Promise<void> {
  await page.goto(`${session.baseUrl}/crm/licenses/${issued.license.id}?tab=delegation`);
  await page.getByRole("table", { name: "Anomalies" }).waitFor();
  await page.waitForLoadState("networkidle");
}

/** A figure's value (the cards named "Seats in use", "Receipts"…). */
const figure = (page: Page, name: string) =>
  page.getByRole("group", { name, exact: true }).locator("div").nth(0).textContent();

/** The delegation as the gateway answers it, read from the signed-in page. */
const status = (page: Page) =>
  page.evaluate(
    async (path) => (await (await fetch(path)).json()) as DelegationStatus,
    `/api/licenses/${issued.license.id}/delegation`,
  );

/** Presses `key` once the focus is on `target` (reached with Tab). */
async function press(target: Locator, key = "Enter"): Promise<void> {
  await tabTo(target);
  await target.page().keyboard.press(key);
}

describe.skipIf(!browserTestsRun)(
  "a cockpit license's Fleet delegation in the browser",
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      const { page, baseUrl, platform } = session;
      await signIn(page, baseUrl, adminCredentials);
      await activateCrm(page);
      for (const code of ["cockpit", "collector"])
        expect((await post(page, "/api/products", { code, name: code })).status).toBe(201);
      const account = await post(page, "/api/accounts", { type: "customer", name: "Air-gapped AG" });
      const created = await post(page, "/api/licenses", {
        accountId: (account.body as { id: string }).id,
        products: ["cockpit", "collector"],
        kind: "commercial",
        seats: SEATS,
      });
      expect(created.status).toBe(201);
      issued = (created.body as { licenses: IssuedLicense[] }).licenses[0]!;

      // The cockpit, online: its certificate from the distribution service, once that has the license.
      const distribution = platform.distributionUrl;
      const knows = async () =>
        (
          await fetch(`${distribution}/v1/usage`, {
            headers: { authorization: `License ${issued.licenseKey}` },
          })
        ).status === 200;
      for (let tries = 0; !(await knows()); tries += 1) {
        if (tries > 150) throw new Error("The distribution service did not receive the license");
        await page.waitForTimeout(100);
      }
      const { keys } = (await (await fetch(`${distribution}/v1/keys`)).json()) as { keys: never[] };
      const cockpit = new LicenseManager({
        product: "cockpit",
        serverUrl: distribution,
        licenseKey: issued.licenseKey,
        trustedKeys: keys,
        storage: new MemoryStorage(),
        fingerprint: "cockpit-01",
      });
      await cockpit.load(issued.file);
      authority = cockpit.fleetAuthority();
      const certificate = await authority.renewDelegation();

      // Three collectors on leases it signs, their receipts collected, and one of its own.
      const collectorKeys: string[] = [];
      for (let i = 0; i < COLLECTORS; i++) {
        const member = await offlineCollector({
          fingerprint: `collector-${String(i).padStart(2, "0")}`,
          trustedKeys: keys,
        });
        collectorKeys.push(member.key);
        await leaseSeat(authority, member, certificate.executionModes);
        for (let run = 0; run < RUNS; run++)
          await member.collector.recordExecution({ units: unitsOf(i, run) });
        const report = await authority.acceptReceipts(member.key, await member.collector.receipts());
        expect(report.anomalies).toEqual([]);
      }
      await authority.recordExecution({ units: COCKPIT_UNITS });
      exported = await authority.exportReceipts();

      // Imported first without the first collector's receipt 1: the service reports the gap.
      const gapped: ReceiptUpload = {
        ...exported,
        logs: exported.logs.map((log) =>
          log.machineKey === collectorKeys[0]
            ? { ...log, receipts: log.receipts.filter((_, i) => i !== 1) }
            : log,
        ),
      };
      const imported = await post(page, `/api/licenses/${issued.license.id}/delegation/receipts`, gapped);
      expect(imported.status).toBe(200);
      expect(imported.body).toMatchObject({
        accepted: allReceipts - 1,
        units: allUnits - missingUnits,
        anomalies: [{ kind: "gap", seq: 2 }],
      });
    }, 180_000);

    it("shows the certificate, seats, collectors, receipts and the gap in words", async () => {
      const { page } = session;
      await openTab(page);
      const certificates = page.getByRole("table", { name: "Delegation certificates" });
      const { keyId } = await authority.authorityKey();
      const first = certificates.getByRole("row").nth(1);
      await first.getByText(keyId).waitFor();
      await first.getByText("valid", { exact: true }).waitFor();
      expect(await figure(page, "Seats in use")).toBe("3");
      await page.getByText(`of ${SEATS} seats, as last reported`).waitFor();
      // The three collectors and the cockpit's own log.
      expect(await figure(page, "Collectors")).toBe(String(COLLECTORS + 1));
      expect(await figure(page, "Receipts")).toBe(String(allReceipts - 1));
      expect(await figure(page, "Units")).toBe(String(allUnits - missingUnits));
      const collectors = page.getByRole("table", { name: "Collectors" });
      for (const fingerprint of ["collector-00", "collector-01", "collector-02"])
        await collectors.getByText(fingerprint, { exact: true }).waitFor();
      await collectors.getByText("None (the cockpit's own)").waitFor();
      const anomalies = page.getByRole("table", { name: "Anomalies" });
      expect(await anomalies.getByRole("row").count()).toBe(2);
      await anomalies.getByText("Receipts missing").waitFor();
      await anomalies.getByText("1 receipt(s) missing before position 2", { exact: false }).waitFor();
      await page.screenshot({ path: join(screenshots, "fleet-delegation-tab.png"), fullPage: true });
    });

    for (const scheme of ["light", "dark"] as const) {
      it(`passes axe-core, with the answer dialog open too, ${scheme}`, async () => {
        const { baseUrl } = session;
        const page = await session.newPage();
        await page.emulateMedia({ colorScheme: scheme });
        try {
          await signIn(page, baseUrl, adminCredentials);
          await openTab(page);
          expect(await page.locator("html").getAttribute("data-mantine-color-scheme")).toBe(scheme);
          // Mantine's tab transition ends before colours are measured.
          await page.waitForTimeout(300);
          await expectAccessible(page, `the Fleet delegation tab (${scheme})`);
          await page.getByRole("button", { name: "Answer an offline request" }).click();
          await page.getByRole("dialog", { name: "Answer an offline request" }).waitFor();
          await page.waitForTimeout(300);
          await expectAccessible(page, `the answer dialog (${scheme})`);
          await page.screenshot({
            path: join(screenshots, `fleet-delegation-${scheme}.png`),
            fullPage: true,
          });
        } finally {
          await page.context().close();
        }
      });
    }

    it("imports the whole receipts file by keyboard: the missing receipt counts, the rest once", async () => {
      const { page } = session;
      await openTab(page);
      await press(page.getByRole("button", { name: "Import receipts" }));
      const dialog = page.getByRole("dialog", { name: "Import receipts" });
      const file = dialog.getByRole("button", { name: /^Receipts file/ });
      // Listening before the key that opens the chooser (see keyboard.test.ts).
      const chooser = page.waitForEvent("filechooser");
      await expect.poll(() => focused(file)).toBe(true);
      await page.keyboard.press("Space");
      await (await chooser).setFiles({
        name: "receipts.json",
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify(exported)),
      });
      await press(dialog.getByRole("button", { name: "Import", exact: true }));
      await dialog
        .getByText(
          `Imported: 1 receipts accepted, ${allReceipts - 1} already imported, ${missingUnits} units counted.`,
        )
        .waitFor();
      await dialog.getByText("No anomalies were detected in this file.").waitFor();
      await page.screenshot({ path: join(screenshots, "fleet-delegation-imported.png"), fullPage: true });
      await press(dialog.getByRole("button", { name: "Done" }));
      await dialog.waitFor({ state: "detached" });
      await expect.poll(() => figure(page, "Receipts")).toBe(String(allReceipts));
      expect(await figure(page, "Units")).toBe(String(allUnits));
    });

    it("shows the cockpit in the usage report's cockpit section, accessible, linking to its tab", async () => {
      const { page, baseUrl } = session;
      await page.goto(`${baseUrl}/crm/usage`);
      const card = page.locator(".mantine-Card-root", {
        has: page.getByRole("heading", { name: "Cockpits (fleet delegation)" }),
      });
      const row = card.getByRole("row").filter({ hasText: issued.license.id.slice(-8) });
      await row.waitFor();
      // Every receipt was received today: all of them, the gap among the anomalies.
      await row.getByRole("cell", { name: String(allReceipts), exact: true }).waitFor();
      await row.getByRole("cell", { name: String(allUnits), exact: true }).waitFor();
      await row.getByText("valid", { exact: true }).waitFor();
      await expectAccessible(page, "the usage report with its cockpit section");
      await page.screenshot({ path: join(screenshots, "usage-report-cockpits.png"), fullPage: true });
      await row.getByRole("link", { name: `…${issued.license.id.slice(-8)}` }).click();
      await page.getByRole("tab", { name: "Fleet delegation", selected: true }).waitFor();
    });

    it("answers the cockpit's offline request by keyboard: the cockpit accepts the certificate", async () => {
      const { page } = session;
      await openTab(page);
      await press(page.getByRole("button", { name: "Answer an offline request" }));
      const dialog = page.getByRole("dialog", { name: "Answer an offline request" });
      const request = await authority.delegationRequest();
      const chooser = page.waitForEvent("filechooser");
      await press(dialog.getByRole("button", { name: "Load from a file" }), "Space");
      await (await chooser).setFiles({
        name: "cockpit.req",
        mimeType: "text/plain",
        buffer: Buffer.from(request),
      });
      await expect.poll(() => dialog.getByLabel(/^Delegation request/).inputValue()).toBe(request);
      await press(dialog.getByRole("button", { name: "Answer", exact: true }));
      await dialog.getByText(/^Certificate 2 is signed; it expires/).waitFor();
      const certificate = await dialog.getByLabel("Certificate").inputValue();
      expect(await authority.acceptDelegation(certificate)).toMatchObject({
        serial: 2,
        licenseId: issued.license.id,
        seats: SEATS,
      });
      await press(dialog.getByRole("button", { name: "Done" }));
      await dialog.waitFor({ state: "detached" });
      const rows = page.getByRole("table", { name: "Delegation certificates" }).getByRole("row");
      await expect.poll(() => rows.count()).toBe(3);
      await rows.nth(2).getByText("valid", { exact: true }).waitFor();
    });

    it("revokes by keyboard after a change of mind with Escape: every certificate is revoked", async () => {
      const { page } = session;
      await openTab(page);
      const revoke = page.getByRole("button", { name: "Revoke delegation" });
      await press(revoke);
      const dialog = page.getByRole("dialog", { name: /^Revoke the fleet delegation of License …-/ });
      await dialog.waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      await expect.poll(() => focused(revoke)).toBe(true);
      expect((await status(page)).certificates.every((c) => c.revokedAt === null)).toBe(true);

      await page.keyboard.press("Enter");
      const reason = dialog.getByLabel(/^Reason/);
      await expect.poll(() => focused(reason)).toBe(true);
      await page.keyboard.type("The cockpit was decommissioned");
      await press(dialog.getByRole("button", { name: "Revoke delegation" }));
      await page.getByText("The fleet delegation is revoked.").waitFor();
      await dialog.waitFor({ state: "detached" });
      const certificates = page.getByRole("table", { name: "Delegation certificates" });
      await expect.poll(() => certificates.getByText("revoked", { exact: true }).count()).toBe(2);
      await page.screenshot({ path: join(screenshots, "fleet-delegation-revoked.png"), fullPage: true });
      // The cockpit gets no new certificate.
      await expect(authority.renewDelegation()).rejects.toThrow();
    });
  },
);
