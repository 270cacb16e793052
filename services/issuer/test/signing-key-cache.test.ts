import { randomBytes } from "node:crypto";
import type { Orm } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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

  it("checks the key again a second before the cache runs out, while the cached key still signs", async () => {
    const keys = new SigningKeys(orm, issuerSealedBox(kek), pino({ level: "silent" }));
    await keys.ensureActiveKeys();
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    try {
      const signer = await keys.signer("license");
      forks = 0;
      // The wall clock set back an hour changes nothing: the cache's age is read on a monotonic one.
      vi.setSystemTime(Date.now() - 3_600_000);
      vi.advanceTimersByTime(3_000);
      expect(await keys.signer("license")).toBe(signer);
      expect(forks).toBe(0);
      // Within the last second: answered at once by the cached key, and checked meanwhile, once.
      vi.advanceTimersByTime(1_500);
      expect(await keys.signer("license")).toBe(signer);
      expect(await keys.signer("license")).toBe(signer);
      expect(forks).toBe(1);
      // Past the first five seconds no new query is made: the check begun ahead answers (or is
      // still under way, and is shared).
      vi.advanceTimersByTime(1_000);
      forks = 0;
      expect(await keys.signer("license")).toBe(signer);
      expect(forks).toBe(0);
    } finally {
      vi.useRealTimers();
    }
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
