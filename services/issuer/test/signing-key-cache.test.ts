import { randomBytes } from "node:crypto";
import type { Orm } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuerSealedBox } from "../src/domain/sealed-values.ts";
import { SigningKeys } from "../src/domain/signing-keys.ts";
import { openIssuerDatabase } from "../src/service.ts";

// The active key is cached and checked again every few seconds: the requests arriving while it is
// checked share one query, and a rotation is not undone by a check that began before it.
let env: TestEnv;
let orm: Orm;
let forks = 0;
const kek = randomBytes(32);

beforeAll(async () => {
  env = await createTestEnv();
  orm = await openIssuerDatabase(env.databaseUrl, pino({ level: "silent" }));
  const fork = orm.em.fork.bind(orm.em);
  orm.em.fork = ((...args: Parameters<typeof fork>) => {
    forks++;
    return fork(...args);
  }) as typeof fork;
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
});

describe("the active signing key's cache", () => {
  it("answers 64 requests arriving together with one query, and the same signer", async () => {
    const keys = new SigningKeys(orm, issuerSealedBox(kek), pino({ level: "silent" }));
    await keys.ensureActiveKeys();
    forks = 0;
    const signers = await Promise.all(Array.from({ length: 64 }, () => keys.signer("license")));
    expect(forks).toBe(1);
    expect(new Set(signers).size).toBe(1);
    expect(await keys.signer("license")).toBe(signers[0]);
    expect(forks).toBe(1);
  });

  it("keeps a rotation made while a check was in flight", async () => {
    const keys = new SigningKeys(orm, issuerSealedBox(kek), pino({ level: "silent" }));
    await keys.ensureActiveKeys();
    const before = keys.signer("release");
    const rotated = await keys.rotate({ requestId: "req_test" }, "release");
    await before;
    expect((await keys.signer("release")).keyId).toBe(rotated.keyId);
  });
});
