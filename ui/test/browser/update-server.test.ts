// The Update server (issue 18) in Debian's Chromium (playwright-core), against the platform as
// `npm start` starts it: a release manager drafts a release, uploads its file through the page (the
// tus protocol, in chunks, to the gateway and its artifact store), publishes it, and a product's
// license then finds it with an update check and downloads exactly the uploaded bytes.
// Screenshots go to test-artifacts/screenshots (update-server-*.png).
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import type { IssuedLicense, ProductRelease } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import { activateCrm, browserSession, browserTestsRun, post, screenshots, signIn } from "./support.ts";

const adminCredentials = { username: "admin", password: "an admin password for the update server" };
const session = browserSession("update-server", { credentials: adminCredentials });
// Larger than one upload chunk (8 MiB): the progress goes through several PATCH requests.
const file = randomBytes(9 * 1024 * 1024 + 123);

describe.skipIf(!browserTestsRun)("the Update server in the browser", { timeout: 180_000 }, () => {
  let licenseKey: string;

  it("signs in; CRM, a product and a license come from the API", async () => {
    const { page, baseUrl } = session;
    await signIn(page, baseUrl, adminCredentials);
    await activateCrm(page);
    expect((await post(page, "/api/products", { code: "collector", name: "Collector" })).status).toBe(201);
    const account = await post(page, "/api/accounts", { type: "customer", name: "Updates Inc" });
    const created = await post(page, "/api/licenses", {
      accountId: (account.body as { id: string }).id,
      products: ["collector"],
      kind: "commercial",
    });
    expect(created.status).toBe(201);
    licenseKey = (created.body as { licenses: IssuedLicense[] }).licenses[0]!.licenseKey;
  });

  it("drafts a release, uploads its file with progress, and publishes it", async () => {
    const { page, baseUrl } = session;
    await page.goto(`${baseUrl}/crm/update-server?product=collector`);
    await page.getByRole("heading", { name: "Update server", level: 1 }).waitFor();
    await page.getByRole("button", { name: "New release" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Version/).fill("2.0.0");
    await dialog.getByRole("button", { name: /^Create/ }).click();
    await page.getByRole("heading", { name: /2\.0\.0/, level: 1 }).waitFor();
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Choose file…" }).click();
    await (await chooser).setFiles({
      name: "collector-2.0.0-linux-x64.tar.gz",
      mimeType: "application/gzip",
      buffer: file,
    });
    // Suggested from the name.
    await expect.poll(() => page.getByLabel(/^Platform/).inputValue()).toBe("linux");
    await expect.poll(() => page.getByLabel(/^File type/).inputValue()).toBe("tar.gz");
    await page.getByLabel(/^Architecture/).fill("x64");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page
      .getByRole("cell", { name: "collector-2.0.0-linux-x64.tar.gz", exact: true })
      .first()
      .waitFor({ timeout: 120_000 });
    const sha256 = createHash("sha256").update(file).digest("hex");
    await page.getByText(sha256.slice(0, 12), { exact: false }).first().waitFor();
    await page.screenshot({ path: join(screenshots, "update-server-draft.png"), fullPage: true });
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Publish 2.0.0" }).click();
    await page.getByText("Published", { exact: true }).first().waitFor();
    await page.screenshot({ path: join(screenshots, "update-server-published.png"), fullPage: true });
  });

  it("offers the release to the product's license, which downloads exactly the uploaded bytes", async () => {
    const distribution = session.platform.distributionUrl;
    const auth = { authorization: `License ${licenseKey}` };
    let answer:
      | { update: boolean; release: { artifact: { url: string; sha256: string } } | null }
      | undefined;
    await expect
      .poll(
        async () => {
          const response = await fetch(`${distribution}/v1/updates/check`, {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify({
              product: "collector",
              currentVersion: "1.0.0",
              platform: "linux",
              arch: "x64",
            }),
          });
          answer = (await response.json()) as typeof answer;
          return answer?.update;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    const downloaded = Buffer.from(
      await (await fetch(`${distribution}${answer!.release!.artifact.url}`, { headers: auth })).arrayBuffer(),
    );
    expect(downloaded.equals(file)).toBe(true);
    const releases = await session.page.evaluate(async () => {
      const response = await fetch("/api/products/collector/releases");
      return ((await response.json()) as { items: ProductRelease[] }).items;
    });
    expect(releases.map((r) => [r.version, r.state])).toEqual([["2.0.0", "published"]]);
  });
});
