// @licensing/client offline (issue 12): authorizeExecution per call, p50/p99, with the durable
// state handling (lock, authenticated state read afresh, write to a temporary file, fsync, rename,
// folder fsync), beside raw native Ed25519 verify of the same license file in the same run
// (target ≥ 0.5× its rate). The fsync cost is measured on its own, and the same calls without
// fsync show what the state handling costs besides it. No services needed.
//
//   npm run bench client        BENCH_CALLS=2000 npm run bench client
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientStorage, LicenseManager, MemoryStorage } from "@licensing/client";
import { FileStorage } from "@licensing/client/node";
import { createSigner, type License, signedMessage, signLicense } from "@licensing/model";
import { nativeEd25519 } from "@licensing/model/native";
import { fixed, percentile } from "./support.ts";

const calls = Number(process.env.BENCH_CALLS ?? 1_000);
const KEY_ID = "k2026-bench";
const privateKey = Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 3);
const publicKey = nativeEd25519.getPublicKey(privateKey);
const trustedKeys = [{ keyId: KEY_ID, publicKey }];

const license: License = {
  id: "lic_01BENCHCLIENT",
  accountId: "acc_bench",
  serial: 1,
  kind: "commercial",
  internal: false,
  licenseType: "subscription",
  products: ["collector"],
  productFriendlyNames: ["Collector"],
  ownerCompany: "Contoso Ltd",
  ownerName: "Ada Lovelace",
  ownerEmail: "ada@contoso.example",
  createdBy: "usr_42",
  ownerIpAddress: null,
  createdAtComputer: null,
  licensingAssemblyVersion: "2.0",
  dateIssued: "2026-01-01T00:00:00Z",
  signedAt: "2026-01-01T00:00:00Z",
  startDate: "2026-01-01T00:00:00Z",
  endDate: "2099-01-01T00:00:00Z",
  unitsType: "lines",
  accumulatedUnits: -1,
  unitsPerExecution: -1,
  availableActivations: 1,
  seats: 0,
  fingerprint: null,
  executionModes: ["scanning"],
  notifyDays: 30,
  friendlyRestrictions: [],
  allowedCustomFeatures: ["csharp"],
  metadata: {},
  keyId: KEY_ID,
};
const file = signLicense(license, createSigner(KEY_ID, privateKey, nativeEd25519));

// Raw native verify of the same file's signed bytes.
const envelope = JSON.parse(
  Buffer.from(file.trim().split("\n").slice(1, -1).join(""), "base64").toString("utf8"),
) as { payload: string; signature: string };
const message = signedMessage("license-file", Buffer.from(envelope.payload, "base64"));
const signature = Buffer.from(envelope.signature, "base64");
const keyObject = createPublicKey({
  key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(publicKey)]),
  format: "der",
  type: "spki",
});

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

/** `count` calls one after the other, each timed (µs). */
async function timed(count: number, work: () => unknown | Promise<unknown>): Promise<Figures> {
  const each: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await work();
    each.push((performance.now() - t) * 1000);
  }
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, p50: percentile(each, 50), p99: percentile(each, 99) };
}

async function rawVerify(): Promise<Figures> {
  await timed(2_000, () => verify(null, message, keyObject, signature));
  return timed(Math.max(20_000, calls * 10), () => {
    if (!verify(null, message, keyObject, signature)) throw new Error("raw verify failed");
  });
}

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-client-"));
  folders.push(dir);
  return dir;
}

/**
 * A product's manager, offline, on `storage`: `count` executions, timed one by one, in batches of
 * 100 on a fresh state after a warm-up, so that the queue stays as short as an online product's
 * (a long offline run is measured apart: `queued` reports already waiting).
 */
async function authorizations(storage: () => ClientStorage, count: number, queued = 0): Promise<Figures> {
  const each: number[] = [];
  let elapsed = 0;
  for (let done = 0; done < count; done += 100) {
    const manager = new LicenseManager({
      product: "collector",
      trustedKeys,
      storage: storage(),
      fingerprint: "bench-machine",
      offline: true,
    });
    await manager.load(file);
    for (let i = 0; i < 20 + queued; i++) await manager.authorizeExecution({ units: 1 });
    const batch = Math.min(100, count - done);
    const started = performance.now();
    for (let i = 0; i < batch; i++) {
      const t = performance.now();
      await manager.authorizeExecution({ units: 1, executionMode: "scanning" });
      each.push((performance.now() - t) * 1000);
    }
    elapsed += performance.now() - started;
  }
  return { perSecond: count / (elapsed / 1000), p50: percentile(each, 50), p99: percentile(each, 99) };
}

/** What FileStorage.set does for a state of this size, alone: the durability it pays for. */
async function fsyncAlone(durable: boolean): Promise<Figures> {
  const storage = new FileStorage(folder(), { durable });
  const value = "x".repeat(600);
  await timed(50, () => storage.set("state", value));
  return timed(calls, () => storage.set("state", value));
}

try {
  const raw1 = await rawVerify();
  const durable = await authorizations(() => new FileStorage(folder()), calls);
  const volatile = await authorizations(() => new FileStorage(folder(), { durable: false }), calls);
  const memory = await authorizations(() => new MemoryStorage(), calls);
  const deep = await authorizations(() => new FileStorage(folder()), Math.min(calls, 200), 1_000);
  const lockStorage = new FileStorage(folder());
  await timed(50, () => lockStorage.exclusive(async () => undefined));
  const locks = await timed(calls, () => lockStorage.exclusive(async () => undefined));
  const syncs = await fsyncAlone(true);
  const writes = await fsyncAlone(false);
  const raw2 = await rawVerify();
  const raw = (raw1.perSecond + raw2.perSecond) / 2;
  const row = (what: string, f: Figures, ratio = true) => ({
    what,
    "per s": fixed(f.perSecond, 0),
    "p50 µs": fixed(f.p50, 1),
    "p99 µs": fixed(f.p99, 1),
    "÷ raw verify": ratio ? fixed(f.perSecond / raw, 2) : "",
  });
  console.log(`\n@licensing/client offline, ${calls} calls each, one after the other (same run)`);
  console.table([
    row("raw native Ed25519 verify (mean of before/after)", { ...raw1, perSecond: raw }),
    row("authorizeExecution, FileStorage (durable)", durable),
    row("authorizeExecution, FileStorage, no fsync", volatile),
    row("authorizeExecution, MemoryStorage", memory),
    row("authorizeExecution, durable, 1,000 reports queued", deep),
    row("folder lock alone: take + release (proper-lockfile)", locks, false),
    row("state write alone: temp + fsync + rename + folder fsync", syncs, false),
    row("state write alone, no fsync", writes, false),
  ]);
  const fsyncCost = syncs.p50 - writes.p50;
  console.log(
    `fsync cost per write (p50): ${fixed(fsyncCost, 1)} µs; ` +
      `authorizeExecution ÷ raw verify: ${fixed(durable.perSecond / raw, 2)}× durable, ` +
      `${fixed(volatile.perSecond / raw, 2)}× without fsync (target ≥ 0.5×)`,
  );
} finally {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
}
