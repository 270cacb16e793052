// What the browser tests share: Debian's Chromium driven by playwright-core (never a downloaded
// browser), where screenshots go, signing in through the sign-in form, and JSON requests made from a
// signed-in page as the UI makes them.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
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
