import { Writable } from "node:stream";
import type { Orm } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserEntity } from "../src/domain/entities.ts";
import {
  createGatewayService,
  firstSuperadminNotice,
  type GatewayService,
  openGatewayDatabase,
} from "../src/service.ts";
import { Browser } from "./gateway-harness.ts";

// The very first start of a deployment: no user exists yet.
let env: TestEnv;
let orm: Orm;
const lines: Record<string, unknown>[] = [];
const services: GatewayService[] = [];
const log = pino(
  { level: "info" },
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  }),
);

const gateway = async (admin: { username: string; password?: string }) => {
  const service = createGatewayService({
    nc: await env.connect("gateway"),
    orm,
    prefix: env.prefix,
    log,
    admin,
    vendorKeys: [],
  });
  services.push(service);
  return service;
};

beforeAll(async () => {
  env = await createTestEnv();
  orm = await openGatewayDatabase(env.databaseUrl, env.log);
});
afterAll(async () => {
  for (const service of services) await service.stop();
  await orm?.close();
  await env?.stop();
});

describe("first start", () => {
  it("creates one superadmin, prints a generated password once, and asks for a new one at sign-in", async () => {
    // Two replicas starting together still create a single first user.
    const [a, b] = [await gateway({ username: "root" }), await gateway({ username: "root" })];
    const started = await Promise.all([a.start(), b.start()]);
    const created = started.flatMap((s) => (s.firstSuperadmin ? [s.firstSuperadmin] : []));
    expect(created).toHaveLength(1);
    const { username, temporaryPassword } = created[0]!;
    expect(temporaryPassword).toHaveLength(23);
    expect(firstSuperadminNotice(created[0]!)).toMatch(
      /^FIRST SUPERADMIN CREATED: sign in as "root" with the password "[^"]{23}"/,
    );
    // Logged without the password: it goes to the console only (main.ts).
    const announcements = lines.filter(
      (l) => l.msg === "first superadmin created with a generated password, printed on the console only",
    );
    expect(announcements).toEqual([expect.objectContaining({ username: "root" })]);
    expect(JSON.stringify(lines)).not.toContain(temporaryPassword);
    expect(await orm.em.fork().count(UserEntity, {})).toBe(1);

    const browser = new Browser(a.app);
    const signIn = await browser.signIn(username, temporaryPassword);
    expect(signIn.json().user).toMatchObject({
      username: "root",
      roles: ["superadmin"],
      mustChangePassword: true,
    });
  });

  it("creates nobody on later starts, and never prints the password again", async () => {
    const before = lines.length;
    const again = await gateway({ username: "someone-else", password: "a-configured-password" });
    expect((await again.start()).firstSuperadmin).toBeUndefined();
    expect(lines.slice(before).some((l) => /first superadmin/.test(String(l.msg)))).toBe(false);
    expect(await orm.em.fork().count(UserEntity, {})).toBe(1);
  });
});
