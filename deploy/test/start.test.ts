import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { catalog } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformServices } from "../services.ts";

// `npm start` as a user runs it, on this test file's own database and subject prefix.
let env: TestEnv;
let launcher: ChildProcess;
let output = "";

beforeAll(async () => {
  env = await createTestEnv();
  launcher = spawn(process.execPath, [resolve(import.meta.dirname, "../start.ts")], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      NATS_URL: env.natsUrl,
      SUBJECT_PREFIX: env.prefix,
      LOCAL_INFRA: "",
      // Any free port: the launcher learns the gateway's from its log.
      PORT: "0",
      DISTRIBUTION_PORT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  launcher.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  launcher.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!output.includes("The platform is up")) {
    if (Date.now() > deadline || launcher.exitCode !== null)
      throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);
afterAll(async () => {
  if (launcher?.exitCode === null) launcher.kill("SIGKILL");
  await env?.stop();
});

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
    expect(output).toContain("PostgreSQL from DATABASE_URL");
    expect(output).toContain(`NATS from NATS_URL (${env.natsUrl})`);
    for (const service of platformServices) expect(output).toMatch(new RegExp(`${service.name}\\s+pid \\d+`));
  });

  it("brings up a catalog that creates and returns an account", async () => {
    const account = await env.bus.request(catalog.createAccount, { type: "customer", name: "Started" });
    expect(await env.bus.request(catalog.getAccount, { id: account.id })).toEqual(account);
  });

  it("brings up the gateway and prints where it is and the first superadmin's credentials", async () => {
    const url = /UI and API\s+(http\S+)/.exec(output)?.[1];
    const [, username, password] = /First superadmin\s+(\S+) \/ (\S+)/.exec(output) ?? [];
    expect(url).toBeDefined();
    expect(output).toMatch(/CRM activation\s+npm run dev:activation/);
    const response = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword,
    ).toBe(true);
  });

  it("stops every service on SIGTERM and leaves no process behind", async () => {
    const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBe(platformServices.length);
    const exited = new Promise<number | null>((done) => launcher.once("exit", (code) => done(code)));
    launcher.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("Stopped.");
    expect(pids.filter(isRunning)).toEqual([]);
  });
});
