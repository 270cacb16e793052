// What the browser tests share: Debian's Chromium driven by playwright-core (never a downloaded
// browser), where screenshots go, signing in through the sign-in form, JSON requests made from a
// signed-in page as the UI makes them, and axe-core's accessibility check of a page.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

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
 * A JSON POST from the signed-in page, as the UI makes it (session cookie and CSRF token): its status
 * and its body (parsed JSON, or null when empty).
 */
export async function post(
  page: Page,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ([path, body]) => {
      const session = (await (await fetch("/api/auth/session")).json()) as { csrfToken: string };
      const response = await fetch(path as string, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrfToken },
        body: JSON.stringify(body),
      });
      // Read to its end: a response left unread stays open, and the page never goes network-idle.
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
    },
    [path, body] as const,
  );
}

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
