// `npm run users -- reset-password <username>`: the way back in when the superadmin's password is
// lost, run on the server against the database, as an operator would.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import type { Orm } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayService, type GatewayService, openGatewayDatabase } from "../src/service.ts";
import { Browser } from "./gateway-harness.ts";

const command = resolve(import.meta.dirname, "../src/users-cli.ts");
const lostPassword = "the-Forgotten-pa55word";
let env: TestEnv;
let orm: Orm;
let gateway: GatewayService;

function users(...args: string[]) {
  return spawnSync(process.execPath, [command, ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: env.databaseUrl },
    encoding: "utf8",
    timeout: 60_000,
  });
}

beforeAll(async () => {
  env = await createTestEnv();
  orm = await openGatewayDatabase(env.databaseUrl, env.log);
  gateway = createGatewayService({
    nc: await env.connect("gateway"),
    orm,
    prefix: env.prefix,
    log: env.log,
    admin: { username: "Root", password: lostPassword },
    vendorKeys: [],
  });
  await gateway.start();
});
afterAll(async () => {
  await gateway?.stop();
  await orm?.close();
  await env?.stop();
});

describe("users reset-password", () => {
  it("gives a new temporary password, printed once and never logged, and ends the user's sessions", async () => {
    const signedIn = new Browser(gateway.app);
    expect((await signedIn.signIn("root", lostPassword)).statusCode).toBe(200);
    expect((await signedIn.get("/api/auth/session")).statusCode).toBe(200);

    const run = users("reset-password", "root");
    expect(run.status, run.stderr).toBe(0);
    const printed = /New temporary password for "Root": (\S+)/.exec(run.stdout)?.[1];
    expect(printed).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    const logLines = run.stdout.split("\n").filter((line) => line.startsWith("{"));
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]!)).toMatchObject({
      level: 40,
      username: "Root",
      msg: expect.stringContaining("password reset from the server"),
    });
    expect(logLines[0]).not.toContain(printed!);

    expect((await signedIn.get("/api/auth/session")).statusCode).toBe(401);
    expect((await new Browser(gateway.app).signIn("root", lostPassword)).statusCode).toBe(401);
    const again = await new Browser(gateway.app).signIn("root", printed!);
    expect(again.statusCode).toBe(200);
    expect(again.json().user).toMatchObject({ username: "Root", mustChangePassword: true });
  });

  it("names an unknown user, and shows its usage when called wrongly", () => {
    const unknown = users("reset-password", "nobody");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('No user named "nobody"');
    const wrong = users("reset", "root");
    expect(wrong.status).toBe(64);
    expect(wrong.stderr).toContain("usage: npm run users -w services/gateway -- reset-password <username>");
  });
});
