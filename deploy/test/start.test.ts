import { resolve } from "node:path";
import { catalog, issuer } from "@licensing/contracts";
import { type StartedPlatform, startPlatform } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformServices } from "../services.ts";

// `npm start` as a user runs it, on this test file's own database and subject prefix.
let platform: StartedPlatform;

beforeAll(async () => {
  platform = await startPlatform();
}, 180_000);
afterAll(() => platform?.stop());

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm start", () => {
  it("prints what it started and where", () => {
    const output = platform.output();
    expect(output).toContain("PostgreSQL from DATABASE_URL");
    expect(output).toContain(`NATS from NATS_URL (${platform.env.natsUrl})`);
    for (const service of platformServices) expect(output).toMatch(new RegExp(`${service.name}\\s+pid \\d+`));
    expect(output).toContain(`Migration exports    read from ${resolve(import.meta.dirname, "../..")} `);
  });

  it("brings up a catalog that creates and returns an account", async () => {
    const { bus } = platform.env;
    const account = await bus.request(catalog.createAccount, { type: "customer", name: "Started" });
    expect(await bus.request(catalog.getAccount, { id: account.id })).toEqual(account);
  });

  it("brings up the gateway and prints where it is and the first superadmin's credentials", async () => {
    const [, username, password] = /First superadmin\s+(\S+) \/ (\S+)/.exec(platform.output()) ?? [];
    expect(platform.output()).toMatch(/CRM activation\s+npm run dev:activation/);
    const response = await fetch(`${platform.uiUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword,
    ).toBe(true);
  });

  it("starts a crashed service again while the others keep serving", async () => {
    const issuerPid = Number(/issuer\s+pid (\d+)/.exec(platform.output())?.[1]);
    process.kill(issuerPid, "SIGKILL");
    await expect
      .poll(() => platform.output(), { timeout: 10_000 })
      .toContain("issuer exited unexpectedly (SIGKILL); starting it again in 1 s");
    // The rest of the platform did not stop with it.
    expect((await fetch(`${platform.uiUrl}/healthz`)).status).toBe(200);
    const account = await platform.env.bus.request(catalog.createAccount, {
      type: "customer",
      name: "Meanwhile",
    });
    await expect.poll(() => platform.output(), { timeout: 60_000 }).toMatch(/issuer is back \(pid \d+\)/);
    const signingKeys = await platform.env.bus.request(issuer.listSigningKeys, {});
    expect(signingKeys.items.length).toBeGreaterThan(0);
    expect(account.name).toBe("Meanwhile");
    expect(platform.output()).not.toContain("Stopping…");
  });

  it("stops every service on SIGTERM and leaves no process behind", async () => {
    const pids = [...platform.output().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(platformServices.length);
    expect(await platform.stop()).toBe(0);
    expect(platform.output()).toContain("Stopped.");
    expect(pids.filter(isRunning)).toEqual([]);
  });
});
