import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import { catalog, issuer, issuerEvents } from "@licensing/contracts";
import { verifyLicenseFile } from "@licensing/model";
import { EventConsumer, ensureEventStream, type RunningService } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SigningKeyEntity } from "../src/domain/entities.ts";
import { issuerSealedBox } from "../src/domain/sealed-values.ts";
import { createIssuerService, openIssuerDatabase } from "../src/service.ts";
import { actors, as, collectorProduct } from "./issuer-harness.ts";

// Two issuer replicas starting together, every log line at trace level captured, every event kept.
let env: TestEnv;
const logLines: string[] = [];
const eventBodies: string[] = [];
const answers: string[] = [];
const stops: (() => Promise<void>)[] = [];
const kek = randomBytes(32);

beforeAll(async () => {
  env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const log = pino(
    { level: "trace" },
    new Writable({ write: (chunk, _enc, done) => done(void logLines.push(String(chunk))) }),
  );
  const catalogOrm = await openCatalogDatabase(env.databaseUrl, log);
  const catalogService = createCatalogService({
    nc: await env.connect("catalog"),
    orm: catalogOrm,
    prefix: env.prefix,
    log,
  });
  await catalogService.start();
  const replicas: RunningService[] = [];
  const orms = await Promise.all([
    openIssuerDatabase(env.databaseUrl, log),
    openIssuerDatabase(env.databaseUrl, log),
  ]);
  for (const orm of orms) {
    replicas.push(
      createIssuerService({
        nc: await env.connect("issuer"),
        orm,
        prefix: env.prefix,
        log,
        kek,
        defaultNotifyDays: 30,
      }),
    );
  }
  await Promise.all(replicas.map((r) => r.start()));
  const consumer = new EventConsumer({
    nc: env.nc,
    orm: orms[0]!,
    prefix: env.prefix,
    name: "all-events",
    log,
  });
  for (const type of Object.values(issuerEvents))
    consumer.on(type, async (payload) => void eventBodies.push(JSON.stringify(payload)));
  await consumer.start();
  stops.push(
    () => consumer.stop(),
    ...replicas.map((r) => () => r.stop()),
    () => catalogService.stop(),
    ...orms.map((o) => () => o.close()),
    () => catalogOrm.close(),
    () => env.stop(),
  );
  await env.bus.request(catalog.createProduct, { code: "collector", name: "Collector", ...collectorProduct });
});
afterAll(async () => {
  for (const stop of stops) await stop();
});

async function record<T>(answer: Promise<T>): Promise<T> {
  const value = await answer;
  answers.push(JSON.stringify(value));
  return value;
}

async function publishedKeys(role: "license" | "release" = "license") {
  const { items } = await record(env.bus.request(issuer.listSigningKeys, {}));
  return items
    .filter((k) => k.role === role)
    .map((k) => ({
      keyId: k.keyId,
      publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64url")),
    }));
}

describe("signing keys", () => {
  it("generates one active key per role on first start, even with two replicas starting together", async () => {
    const { items } = await env.bus.request(issuer.listSigningKeys, {});
    expect(items.map((k) => k.role).sort()).toEqual(["license", "release"]);
    for (const key of items) {
      expect(key).toMatchObject({ status: "active", retiredAt: null });
      expect(Buffer.from(key.publicKey, "base64url")).toHaveLength(32);
    }
  });

  it("rotates: the new key signs, files signed by the old one still verify", async () => {
    const account = await env.bus.request(catalog.createAccount, { type: "customer", name: "Rotating" });
    const create = () =>
      record(
        env.bus.request(
          issuer.createLicense,
          { accountId: account.id, products: ["collector"] },
          as(actors.admin),
        ),
      );
    const before = (await create()).licenses[0]!;
    const releaseKeyBefore = (await publishedKeys("release"))[0]!.keyId;
    const rotated = await record(env.bus.request(issuer.rotateSigningKey, {}, as(actors.admin)));
    expect(rotated.role).toBe("license");
    // Every replica signs with the new key once it rechecks its cached one (within seconds).
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const after = await Promise.all([create(), create(), create(), create()]);
    const keys = await publishedKeys();
    expect(keys).toHaveLength(2);
    expect(verifyLicenseFile(before.file, keys).keyId).toBe(before.license.keyId);
    for (const { licenses } of after) {
      expect(licenses[0]!.license.keyId).toBe(rotated.keyId);
      expect(verifyLicenseFile(licenses[0]!.file, keys).keyId).toBe(rotated.keyId);
    }
    const renewed = await record(
      env.bus.request(issuer.renew, { id: before.license.id, extendDays: 1 }, as(actors.admin)),
    );
    expect(renewed.keyId).toBe(rotated.keyId);
    const listed = (await env.bus.request(issuer.listSigningKeys, {})).items;
    const statuses = listed
      .filter((k) => k.role === "license")
      .map((k) => [k.keyId === rotated.keyId, k.status]);
    expect(statuses).toEqual([
      [true, "active"],
      [false, "retired"],
    ]);
    // The release key is another role's: a license key rotation leaves it as it was.
    expect(listed.filter((k) => k.role === "release")).toMatchObject([
      { keyId: releaseKeyBefore, status: "active" },
    ]);
  });

  it("never lets a private key out: not in answers, events or any log line", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const em = (await openIssuerDatabase(env.databaseUrl, pino({ level: "silent" }))).em.fork();
    const rows = await em.find(SigningKeyEntity, {}, { populate: ["privateKeyEnc"] });
    const encryption = issuerSealedBox(kek);
    const secrets = rows.flatMap((row) => {
      const key = encryption.open(row.privateKeyEnc, `signing key ${row.keyId}`);
      return [
        key.toString("hex"),
        key.toString("base64"),
        key.toString("base64url"),
        Buffer.from(row.privateKeyEnc).toString("base64"),
      ];
    });
    expect(rows.length).toBe(3); // the license key, its successor and the release key
    expect(logLines.length).toBeGreaterThan(10);
    expect(eventBodies.length).toBeGreaterThan(5);
    expect(answers.length).toBeGreaterThan(5);
    for (const haystack of [logLines, eventBodies, answers]) {
      for (const text of haystack) for (const secret of secrets) expect(text).not.toContain(secret);
    }
    await em.getConnection().close();
  });
});
