// @licensing/client in Debian's Chromium (playwright-core): the browser build (bundled by Vite,
// so `#platform` resolves to the browser platform: IndexedDB through IndexedDbStorage, Web Locks,
// WebCrypto) against a real distribution service on this file's own database and subjects. The
// offline rules of issue 12 hold there as in Node: a revocation is remembered offline, the clock
// never goes back, an edited state needs the server again, and two tabs sharing the state never
// overdraw the balance nor lose a report.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { issuer } from "@licensing/contracts";
import { as, type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { browserTestsRun, launchChromium } from "./support.ts";

const clientEntry = resolve(import.meta.dirname, "../../../packages/client/src/index.ts");

type Client = typeof import("../../../packages/client/src/index.ts");
/** What the page knows: the client module, the server and keys to use. */
interface PageGlobals {
  licensing: Client;
  setup: { serverUrl: string; trustedKeys: { keyId: string; publicKey: string }[] };
}

let t: DistributionUnderTest;
let browser: Browser;
let context: BrowserContext;
let site: Server;
let siteUrl: string;
let bundleDir: string;

async function openTab(): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${siteUrl}/`);
  await page.waitForFunction(() => "licensing" in globalThis);
  return page;
}

describe.skipIf(!browserTestsRun)("@licensing/client in a browser", () => {
  beforeAll(async () => {
    t = await startDistribution();
    bundleDir = await mkdtemp(join(tmpdir(), "client-browser-"));
    await build({
      configFile: false,
      logLevel: "silent",
      build: {
        outDir: bundleDir,
        emptyOutDir: true,
        lib: { entry: clientEntry, formats: ["es"], fileName: () => "client.js" },
        minify: false,
      },
    });
    const bundle = await readFile(join(bundleDir, "client.js"), "utf8");
    expect(bundle).not.toMatch(/from\s*["'](node:|undici|proper-lockfile)/);
    const { keys: trustedKeys } = (await (await fetch(`${t.url}/v1/keys`)).json()) as {
      keys: PageGlobals["setup"]["trustedKeys"];
    };
    const setup = { serverUrl: t.url, trustedKeys };
    await writeFile(
      join(bundleDir, "index.html"),
      `<!doctype html><meta charset="utf-8"><title>client</title><script type="module">
        import * as licensing from "./client.js";
        globalThis.setup = ${JSON.stringify(setup)};
        globalThis.licensing = licensing;
      </script>`,
    );
    site = createServer(async (request, response) => {
      const name = request.url === "/" ? "index.html" : "client.js";
      response.setHeader("content-type", name.endsWith(".html") ? "text/html" : "text/javascript");
      response.end(await readFile(join(bundleDir, name)));
    });
    await new Promise<void>((done) => site.listen(0, "127.0.0.1", done));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 180_000);

  // A browser context per test: its own IndexedDB, so no test sees another's state.
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => site?.close(done));
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
    await t?.stop();
  });

  it("remembers a revocation offline, in IndexedDB", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: -1 });
    const page = await openTab();
    const first = await page.evaluate(async (key) => {
      const { licensing, setup } = globalThis as unknown as PageGlobals;
      const m = new licensing.LicenseManager({ product: "collector", licenseKey: key, ...setup });
      await m.fetchLicense();
      return (await m.authorizeExecution({ units: 1 })).queued;
    }, licenseKey);
    expect(first).toBe(false);
    await t.env.bus.request(issuer.revoke, { id, reason: "contract ended" }, as);
    await t.synced(id, 1, "revoked");
    const reasons = await page.evaluate(async (key) => {
      const { licensing, setup } = globalThis as unknown as PageGlobals;
      const reason = (p: Promise<unknown>) =>
        p.then(
          () => "authorized",
          (e: { reason?: string }) => e.reason ?? String(e),
        );
      const online = new licensing.LicenseManager({ product: "collector", licenseKey: key, ...setup });
      const learned = await reason(online.authorizeExecution({ units: 1 }));
      const offline = new licensing.LicenseManager({
        product: "collector",
        licenseKey: key,
        trustedKeys: setup.trustedKeys,
        offline: true,
      });
      const cut = new licensing.LicenseManager({
        product: "collector",
        licenseKey: key,
        trustedKeys: setup.trustedKeys,
        serverUrl: "http://127.0.0.1:9",
      });
      return [learned, await reason(offline.authorizeExecution({ units: 1 })), await reason(cut.validate())];
    }, licenseKey);
    expect(reasons).toEqual(["revoked", "revoked", "revoked"]);
    await page.close();
  });

  it("refuses a clock set back, and an edited state until the server is reached", async () => {
    const { licenseKey } = await t.issue({ availableActivations: -1 });
    const page = await openTab();
    const reasons = await page.evaluate(async (key) => {
      const { licensing, setup } = globalThis as unknown as PageGlobals;
      const reason = (p: Promise<unknown>) =>
        p.then(
          () => "authorized",
          (e: { reason?: string }) => e.reason ?? String(e),
        );
      let offset = 0;
      const now = () => new Date(Date.now() + offset);
      const online = new licensing.LicenseManager({ product: "collector", licenseKey: key, now, ...setup });
      await online.fetchLicense();
      const ran = await reason(online.authorizeExecution({ units: 1 }));
      offset = -3_600_000;
      const offline = new licensing.LicenseManager({
        product: "collector",
        licenseKey: key,
        trustedKeys: setup.trustedKeys,
        offline: true,
        now,
      });
      const setBack = await reason(offline.authorizeExecution({ units: 1 }));
      offset = 0;
      // Edited by hand where the product keeps it.
      const storage = new licensing.IndexedDbStorage("licensing:collector");
      const state = (await storage.get("state")) ?? "";
      await storage.set(
        "state",
        state.replace(
          /"lastOnlineAt":"[^"]+"/,
          `"lastOnlineAt":"${new Date(Date.now() + 86_400_000).toISOString()}"`,
        ),
      );
      const cut = new licensing.LicenseManager({
        product: "collector",
        licenseKey: key,
        trustedKeys: setup.trustedKeys,
        serverUrl: "http://127.0.0.1:9",
      });
      const edited = await reason(cut.authorizeExecution({ units: 1 }));
      const again = await reason(online.authorizeExecution({ units: 1 }));
      return [ran, setBack, edited, again];
    }, licenseKey);
    expect(reasons).toEqual(["authorized", "clock_set_back", "offline_grace_expired", "authorized"]);
    await page.close();
  });

  it("lets two tabs share the state: the balance exactly, never more, every report queued", async () => {
    const { licenseKey, file } = await t.issue({ availableActivations: -1, accumulatedUnits: 200 });
    const tabs = [await openTab(), await openTab()];
    const results = await Promise.all(
      tabs.map((tab) =>
        tab.evaluate(
          async ({ key, licenseFile }) => {
            const { licensing, setup } = globalThis as unknown as PageGlobals;
            const m = new licensing.LicenseManager({
              product: "collector",
              licenseKey: key,
              trustedKeys: setup.trustedKeys,
              offline: true,
            });
            await m.load(licenseFile);
            let units = 0;
            for (let i = 0; i < 30; i++) {
              try {
                units += (await m.authorizeExecution({ units: 5 })).units;
              } catch (e) {
                if ((e as { reason?: string }).reason !== "units_exhausted") throw e;
              }
            }
            return units;
          },
          { key: licenseKey, licenseFile: file },
        ),
      ),
    );
    expect(results[0]! + results[1]!).toBe(200);
    const usage = await tabs[0]!.evaluate(async (key) => {
      const { licensing, setup } = globalThis as unknown as PageGlobals;
      const m = new licensing.LicenseManager({ product: "collector", licenseKey: key, ...setup });
      return m.usage();
    }, licenseKey);
    expect(usage).toMatchObject({ queued: 40, queuedUnits: 200 });
    for (const tab of tabs) await tab.close();
  });
});
