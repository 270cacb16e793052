import { spawnSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import { catalog, issuer } from "@licensing/contracts";
import { verifyLicenseFile } from "@licensing/model";
import {
  ensureEventStream,
  execute,
  kekId,
  type Orm,
  query,
  type RunningService,
  rotateSealedColumns,
  tableName,
} from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuerSealedBox, issuerSealedColumns } from "../src/domain/sealed-values.ts";
import { createIssuerService, openIssuerDatabase } from "../src/service.ts";
import { actors, as, collectorProduct } from "./issuer-harness.ts";

// KEK rotation end to end: licenses, the signing keys (a license and a release key) and a stored idempotent answer sealed under
// KEK A; the issuer restarted with B current and A previous; `npm run kek:rotate`; the issuer
// restarted with B only.
const [kekA, kekB, kekC] = [randomBytes(32), randomBytes(32), randomBytes(32)];
const rotateCommand = resolve(import.meta.dirname, "../src/kek-rotate.ts");
let env: TestEnv;
let orm: Orm;
let running: { service: RunningService; orm: Orm } | undefined;
const stops: (() => Promise<void>)[] = [];
const created: { id: string; licenseKey: string; file: string }[] = [];
let accountId: string;

async function startIssuerWith(kek: Buffer, previousKeks: Buffer[] = []): Promise<void> {
  if (running) {
    await running.service.stop();
    await running.orm.close();
  }
  const issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
  const service = createIssuerService({
    nc: await env.connect("issuer"),
    orm: issuerOrm,
    prefix: env.prefix,
    log: env.log,
    kek,
    previousKeks,
    defaultNotifyDays: 30,
    builtinPresets: false,
  });
  await service.start();
  running = { service, orm: issuerOrm };
}

const createLicense = (idempotencyKey?: string) =>
  env.bus.request(
    issuer.createLicense,
    { accountId, products: ["collector"], ...(idempotencyKey ? { idempotencyKey } : {}) },
    as(actors.admin),
  );

async function publishedKeys() {
  const { items } = await env.bus.request(issuer.listSigningKeys, {});
  return items.map((k) => ({
    keyId: k.keyId,
    publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64url")),
  }));
}

/** Every license still opens and verifies as it did when it was created. */
async function expectEveryLicenseIntact(): Promise<void> {
  const keys = await publishedKeys();
  for (const license of created) {
    const { licenseKey } = await env.bus.request(issuer.revealKey, { id: license.id }, as(actors.admin));
    expect(licenseKey).toBe(license.licenseKey);
    const { file } = await env.bus.request(issuer.getFile, { id: license.id }, as(actors.admin));
    expect(file).toBe(license.file);
    expect(verifyLicenseFile(file, keys).keyId).toBeTruthy();
  }
}

/** How many sealed values of each column carry the id of `kek`, and how many there are. */
async function sealedUnder(kek: Buffer): Promise<Record<string, [under: number, of: number]>> {
  const box = issuerSealedBox(kek);
  const counts: Record<string, [number, number]> = {};
  for (const column of issuerSealedColumns) {
    const rows = await query<{ sealed: Buffer | null }>(
      orm,
      `SELECT ${column.read} AS sealed FROM ${tableName(orm.em, column.table)}`,
    );
    const values = rows.flatMap((row) => (row.sealed ? [row.sealed] : []));
    counts[column.name] = [values.filter((value) => box.isCurrent(value)).length, values.length];
  }
  return counts;
}

function runRotateCommand(kek: Buffer, previousKeks: Buffer[]) {
  const run = spawnSync(process.execPath, [rotateCommand], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: env.databaseUrl,
      ISSUER_KEK: kek.toString("base64"),
      ISSUER_KEK_PREVIOUS: previousKeks.map((k) => k.toString("base64")).join(","),
      KEK_ROTATE_BATCH_SIZE: "2",
      LOG_LEVEL: "warn",
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.status).toBe(0);
  return run.stdout;
}

beforeAll(async () => {
  env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
  const catalogService = createCatalogService({
    nc: await env.connect("catalog"),
    orm: catalogOrm,
    prefix: env.prefix,
    log: env.log,
  });
  await catalogService.start();
  orm = await openIssuerDatabase(env.databaseUrl, env.log);
  stops.push(
    async () => {
      await running?.service.stop();
      await running?.orm.close();
    },
    () => catalogService.stop(),
    () => orm.close(),
    () => catalogOrm.close(),
    () => env.stop(),
  );
  await env.bus.request(catalog.createProduct, { code: "collector", name: "Collector", ...collectorProduct });
  accountId = (await env.bus.request(catalog.createAccount, { type: "customer", name: "Rotation" })).id;
});
afterAll(async () => {
  for (const stop of stops) await stop();
});

describe("rotating ISSUER_KEK", () => {
  it("seals licenses, the signing key and stored answers under KEK A", async () => {
    await startIssuerWith(kekA);
    for (const idempotencyKey of [undefined, undefined, undefined, "rotation-test-key-1"]) {
      const { license, file, licenseKey } = (await createLicense(idempotencyKey)).licenses[0]!;
      created.push({ id: license.id, licenseKey, file });
    }
    // One license key as the code before key ids wrote it (nonce ‖ ciphertext ‖ tag): deployed
    // databases hold such rows.
    const legacy = created[0]!;
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", kekA, nonce);
    cipher.setAAD(Buffer.from(`license key ${legacy.id}`));
    const sealed = Buffer.concat([
      nonce,
      cipher.update(legacy.licenseKey),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    await execute(orm, `UPDATE ${tableName(orm.em, "licenses")} SET key_enc = $1 WHERE id = $2`, [
      sealed,
      legacy.id,
    ]);
    expect(await sealedUnder(kekA)).toEqual({
      "signing keys": [2, 2],
      "license keys": [3, 4],
      "stored answers": [1, 1],
    });
    await expectEveryLicenseIntact();
  });

  it("keeps working with B current and A previous: new values under B, old ones still open", async () => {
    await startIssuerWith(kekB, [kekA]);
    await expectEveryLicenseIntact();
    const { license, file, licenseKey } = (await createLicense()).licenses[0]!;
    created.push({ id: license.id, licenseKey, file });
    const again = await createLicense("rotation-test-key-1");
    expect(again.licenses[0]!.license.id).toBe(created[3]!.id);
    expect((await sealedUnder(kekB))["license keys"]).toEqual([1, 5]);
  });

  it("reseals every value under B with `npm run kek:rotate`, and a second run changes nothing", async () => {
    const output = runRotateCommand(kekB, [kekA]);
    expect(output).toContain("signing keys: 2 resealed of 2");
    expect(output).toContain("license keys: 4 resealed of 5");
    expect(output).toContain("stored answers: 1 resealed of 1");
    expect(await sealedUnder(kekB)).toEqual({
      "signing keys": [2, 2],
      "license keys": [5, 5],
      "stored answers": [1, 1],
    });
    // Each run is in the issuer's audit log, with what it resealed (and no value).
    const [rotation] = await query<{ action: string; entity_id: string; changes: Record<string, unknown> }>(
      orm,
      "select action, entity_id, changes from issuer.audit_log where action = 'kek.rotated'",
    );
    expect(rotation).toMatchObject({
      entity_id: kekId(kekB),
      changes: { "license keys": [null, { checked: 5, resealed: 4 }] },
    });
    const again = runRotateCommand(kekB, [kekA]);
    expect(again).toContain("signing keys: 0 resealed of 2");
    expect(again).toContain("license keys: 0 resealed of 5");
    expect(again).toContain("stored answers: 0 resealed of 1");
  });

  it("works with B alone once the command ran", async () => {
    await startIssuerWith(kekB);
    await expectEveryLicenseIntact();
    const { license, file, licenseKey } = (await createLicense()).licenses[0]!;
    created.push({ id: license.id, licenseKey, file });
    const again = await createLicense("rotation-test-key-1");
    expect(again.licenses[0]!.license.id).toBe(created[3]!.id);
  });

  it("finishes a rotation stopped half-way when run again, losing nothing", async () => {
    const box = issuerSealedBox(kekC, [kekB]);
    let batches = 0;
    const stopped = rotateSealedColumns(orm, box, issuerSealedColumns, {
      batchSize: 2,
      onBatch: () => {
        // The process dies after its fourth committed batch (mid-way through the license keys): the
        // two signing keys fill a batch, an empty one ends their column, then two of license keys.
        if (++batches === 4) throw new Error("killed");
      },
    });
    await expect(stopped).rejects.toThrow("killed");
    const halfway = await sealedUnder(kekC);
    expect(halfway["signing keys"]).toEqual([2, 2]);
    expect(halfway["license keys"]![0]).toBe(4);
    expect(halfway["stored answers"]).toEqual([0, 1]);

    const output = runRotateCommand(kekC, [kekB]);
    expect(output).toContain("license keys: 2 resealed of 6");
    expect(await sealedUnder(kekC)).toEqual({
      "signing keys": [2, 2],
      "license keys": [6, 6],
      "stored answers": [1, 1],
    });
    await startIssuerWith(kekC);
    await expectEveryLicenseIntact();
  });

  it("names the variable and the key id when a value's KEK is missing from the keyring", async () => {
    await startIssuerWith(kekA);
    const failure = env.bus.request(issuer.revealKey, { id: created[0]!.id }, as(actors.admin));
    await expect(failure).rejects.toThrow();
    const run = spawnSync(process.execPath, [rotateCommand], {
      env: { PATH: process.env.PATH, DATABASE_URL: env.databaseUrl, ISSUER_KEK: kekA.toString("base64") },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("which is neither ISSUER_KEK nor in ISSUER_KEK_PREVIOUS");
  });
});
