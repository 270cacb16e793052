// What the browser tests share: one session per test file (the platform as `npm start` starts it,
// Debian's Chromium driven by playwright-core, never a downloaded browser, a page, a screenshot of
// each failure), signing in through the sign-in form, the CRM module's activation, JSON requests
// made from a signed-in page as the UI makes them, and axe-core's accessibility check of a page.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { devActivationLicense } from "@licensing/gateway/dev-activation";
import { type GatewayUnderTest, type HarnessOptions, startGateway } from "@licensing/gateway/testing";
import { type StartedPlatform, startPlatform } from "@licensing/testing";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, beforeEach } from "vitest";

export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** Without Chromium a developer's run skips the browser tests; CI installs it (.ci/run), so there they fail. */
export const browserTestsRun = existsSync(chromiumPath) || process.env.CI === "true";
/** The UI package (ui/). */
export const uiRoot = resolve(import.meta.dirname, "../..");
export const screenshots = resolve(uiRoot, "../test-artifacts/screenshots");

/**
 * Headless Chromium, without the background traffic (updates, sync, QUIC probes) that would keep a
 * page from going network-idle; the screenshots directory made.
 */
export async function launchChromium(): Promise<Browser> {
  await mkdir(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A browser window's size. */
export interface Viewport {
  width: number;
  height: number;
}

/** What a browser test file works with, there once the session's `beforeAll` has run. */
export interface BrowserSession<P = StartedPlatform> {
  readonly platform: P;
  /** Where the gateway serves the UI and API. */
  readonly baseUrl: string;
  readonly browser: Browser;
  /** The page opened at the start, in its own context (cookies) at the session's viewport. */
  readonly page: Page;
  /** Another page in a fresh context (no session cookie), at the session's viewport or `viewport`. */
  newPage(viewport?: Viewport): Promise<Page>;
  /** What Chromium reported breaking the gateway's Content-Security-Policy, on any page of the session. */
  readonly cspViolations: readonly string[];
}

interface SessionOptions {
  viewport?: Viewport;
  timeout?: number;
}

/**
 * Registers, at the top of a browser test file, the hooks of one browser session (none where the
 * browser tests do not run, see `browserTestsRun`): the platform started with
 * `credentials` as its first superadmin (and `env`), Chromium launched, a page opened at `viewport`
 * with `timeout` as its default, a full-page screenshot of every open page when a test fails
 * (`failed-<name>-<test>.png` for the first, then `-1`, `-2`… for pages the test opened), and
 * everything stopped after the last test. `env` is either the variables themselves or a function
 * that prepares what they name before the platform starts (a directory it reads, say) and resolves
 * with them. The returned session's members are read inside tests, once started.
 */
export function browserSession(
  name: string,
  {
    credentials,
    env = {},
    ...options
  }: SessionOptions & {
    credentials: { username: string; password: string };
    env?: Record<string, string> | (() => Promise<Record<string, string>>);
  },
): BrowserSession {
  return sessionHooks(name, options, async () => {
    const platform = await startPlatform({
      GATEWAY_ADMIN_USERNAME: credentials.username,
      GATEWAY_ADMIN_PASSWORD: credentials.password,
      ...(typeof env === "function" ? await env() : env),
    });
    return {
      platform,
      baseUrl: platform.uiUrl,
      stop: async () => {
        await platform.stop();
      },
    };
  });
}

/**
 * A browser session against the gateway's own test harness (`startGateway`) rather than `npm start`:
 * for the pages whose subject is the gateway with only some services beside it (`gateway`), or with
 * services the test starts itself (`prepare`, which returns how to stop them). The UI is built into
 * a folder of the session's own; the gateway serves it on a free port.
 */
export function gatewaySession(
  name: string,
  {
    gateway = {},
    prepare,
    ...options
  }: SessionOptions & {
    gateway?: HarnessOptions;
    /** Seeds data or starts more services once the gateway listens at `baseUrl`; answers how to stop them. */
    prepare?: (platform: GatewayUnderTest, baseUrl: string) => Promise<(() => Promise<void>)[] | undefined>;
  },
): BrowserSession<GatewayUnderTest> {
  return sessionHooks(name, options, async () => {
    const uiDir = await mkdtemp(join(tmpdir(), `ui-${name}-`));
    await build({
      root: uiRoot,
      configFile: resolve(uiRoot, "vite.config.ts"),
      logLevel: "silent",
      build: { outDir: uiDir },
    });
    const platform = await startGateway({
      ...gateway,
      overrides: { ...gateway.overrides, listen: { port: 0, host: "127.0.0.1" }, uiDir, cookieSecure: false },
    });
    const baseUrl = `http://127.0.0.1:${(platform.service.app.server.address() as AddressInfo).port}`;
    const stops = (await prepare?.(platform, baseUrl)) ?? [];
    return {
      platform,
      baseUrl,
      stop: async () => {
        for (const stop of stops) await stop();
        await platform.stop();
        await rm(uiDir, { recursive: true, force: true });
      },
    };
  });
}

/** The hooks of a session whose platform `start` starts (see browserSession). */
function sessionHooks<P>(
  name: string,
  { viewport = { width: 1366, height: 900 }, timeout = 30_000 }: SessionOptions,
  start: () => Promise<{ platform: P; baseUrl: string; stop: () => Promise<void> }>,
): BrowserSession<P> {
  let started:
    | { platform: P; baseUrl: string; stop: () => Promise<void>; browser: Browser; page: Page }
    | undefined;
  const cspViolations: string[] = [];
  const get = () => {
    if (!started) throw new Error(`the ${name} browser session is not started (read it inside a test)`);
    return started;
  };
  const open = async (browser: Browser, size: Viewport) => {
    const context = await browser.newContext({ viewport: size });
    context.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    return page;
  };
  const session: BrowserSession<P> = {
    get platform() {
      return get().platform;
    },
    get baseUrl() {
      return get().baseUrl;
    },
    get browser() {
      return get().browser;
    },
    get page() {
      return get().page;
    },
    newPage: (size: Viewport = viewport) => open(get().browser, size),
    cspViolations,
  };
  if (!browserTestsRun) return session;

  beforeAll(async () => {
    const platform = await start();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      started = { ...platform, browser, page: await open(browser, viewport) };
    } catch (error) {
      await browser?.close();
      await platform.stop();
      throw error;
    }
  }, 240_000);

  afterAll(async () => {
    await started?.browser.close();
    await started?.stop();
  });

  // Every open page, the session's own first: another user's page shows what the test saw there too.
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const test = task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      const pages = started?.browser.contexts().flatMap((context) => context.pages()) ?? [];
      for (const [i, page] of pages.entries())
        await page.screenshot({
          path: join(screenshots, `failed-${name}-${test}${i === 0 ? "" : `-${i}`}.png`),
          fullPage: true,
        });
    });
  });
  return session;
}

/** A full-page picture of `page` once it is quiet, as `<name>.png` among the screenshots. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** The development activation license of the CRM module (what `npm start` prints the path of). */
export const crmActivationLicense = () => devActivationLicense({ dataDir: resolve(uiRoot, "../.data") });

/**
 * Activates the CRM module through its API from a signed-in superadmin's page, and opens Settings →
 * Activation, where activating it by hand leaves the user, so that the menu shows the module. Not a
 * reload: on the home page that opens the CRM dashboard, whose figures the page would keep for later
 * (a test counting licenses there would read the cached zero). The Activation page itself is the
 * operator test's subject.
 */
export async function activateCrm(page: Page): Promise<void> {
  const activated = await put(page, "/api/modules/crm/activation", { licenseFile: crmActivationLicense() });
  if (activated.status !== 200)
    throw new Error(`activating CRM answered ${activated.status}: ${JSON.stringify(activated.body)}`);
  await page.goto(new URL("/settings/activation", page.url()).href);
  await page
    .getByRole("navigation", { name: "Main menu" })
    .getByRole("link", { name: "Licenses", exact: true })
    .waitFor();
}

/** Whether the focus is on `target` or inside it. */
export const focused = (target: Locator) =>
  target.evaluate((element) => {
    const active = element.ownerDocument.activeElement;
    return element === active || element.contains(active);
  });

/**
 * Presses Tab (Shift+Tab when `back`) in `target`'s page until the focus reaches `target`; fails if
 * it never does: what a keyboard-only user cannot reach, a test using this cannot either.
 */
export async function tabTo(target: Locator, { back = false, max = 120 } = {}): Promise<void> {
  await target.waitFor();
  for (let presses = 0; presses < max; presses += 1) {
    if (await focused(target)) return;
    await target.page().keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

/**
 * Signs in through the sign-in form at `baseUrl`, and waits until the user is in (the main menu) or
 * asked to choose a new password (a temporary one).
 */
export async function signIn(
  page: Page,
  baseUrl: string,
  { username, password }: { username: string; password: string },
): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel(/^Username/).fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page
    .getByRole("navigation", { name: "Main menu" })
    .or(page.getByRole("heading", { name: "Choose a new password" }))
    .waitFor();
}

/**
 * A JSON request from the signed-in page, as the UI makes it (session cookie and CSRF token): its
 * status and its body (parsed JSON, or null when empty).
 */
export async function send(
  page: Page,
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ([method, path, body]) => {
      const session = (await (await fetch("/api/auth/session")).json()) as { csrfToken: string };
      const response = await fetch(path as string, {
        method: method as string,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrfToken },
        body: JSON.stringify(body),
      });
      // Read to its end: a response left unread stays open, and the page never goes network-idle.
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
    [method, path, body] as const,
  );
}

/** A JSON POST from the signed-in page (see `send`). */
export const post = (page: Page, path: string, body: unknown) => send(page, "POST", path, body);
/** A JSON PUT from the signed-in page (see `send`). */
export const put = (page: Page, path: string, body: unknown) => send(page, "PUT", path, body);

/** The WCAG levels axe checks against: 2.0, 2.1 and 2.2, A and AA (issue 17's goal). */
const wcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
/** axe-core's own script, evaluated in the page under test (no Playwright add-on, no download). */
const axeSource = createRequire(import.meta.url)("axe-core").source as string;

/** One violation axe reports, as much of it as a failure message needs. */
interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core in `page` against WCAG 2.0/2.1/2.2 A and AA and returns its serious and critical
 * violations, each as one readable line: the rule, its impact, how many nodes and the first nodes'
 * targets with axe's summary of what fails (the contrast ratio, say). Moderate and minor findings are
 * not the bar the issue sets; they are left to whoever reads axe's full report.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the gateway's Content-Security-Policy refuses inline
  // scripts, and DevTools' evaluation is not subject to it.
  // (The tests are checked without the DOM's types: the page's globals are reached through globalThis.)
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const { axe, document } = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<unknown> };
      document: unknown;
    };
    const results = (await axe.run(document, { runOnly: { type: "tag", values: tags } })) as {
      violations: AxeViolation[];
    };
    return results.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  }, wcagTags);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const first = v.nodes
        .slice(0, 3)
        .map((n) => `${JSON.stringify(n.target)}: ${(n.failureSummary ?? "").replace(/\s+/g, " ").trim()}`)
        .join("; ");
      return `${v.id} (${v.impact}, ${v.nodes.length} node${v.nodes.length === 1 ? "" : "s"}): ${v.help} — ${first}`;
    });
}

/**
 * Fails with every serious or critical WCAG A/AA violation axe-core finds in `page`, named with
 * `where` (the page and colour scheme), after the page has settled (network idle).
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  const found = await seriousA11yViolations(page);
  if (found.length > 0)
    throw new Error(
      `axe-core: ${found.length} serious or critical violation(s) on ${where}:\n${found.join("\n")}`,
    );
}
