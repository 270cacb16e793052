// @licensing/client offline (issue 12): authorizeExecution per call, p50/p99, with the durable
// state handling (a SQLite transaction: BEGIN IMMEDIATE, the authenticated state read afresh,
// sealed and written, COMMIT with an fsync of the WAL), beside raw native Ed25519 verify of the
// same license file in the same run (target ≥ 0.5× its rate). The fsync cost is measured on its
// own (a bare commit with synchronous=FULL against NORMAL), and the same calls without fsync and
// in memory show what the rest costs. No services needed.
//
//   npm run bench client        BENCH_CALLS=2000 npm run bench client
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClientStorage, LicenseManager, MemoryStorage } from "@licensing/client";
import { FileStorage, type FileStorageOptions } from "@licensing/client/node";
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
 * A database that has run for a while, as a long-running product's: past its WAL's first checkpoint
 * (100 pages), after which SQLite writes the WAL over from its start (until then each commit's
 * fsync also commits the file's growth: measured apart, "fresh database").
 */
async function warmed(options: FileStorageOptions = {}): Promise<FileStorage> {
  const storage = new FileStorage(folder(), options);
  for (let i = 0; i < 300; i++) await storage.set("bench-warm-up", String(i));
  await storage.delete("bench-warm-up");
  return storage;
}

/**
 * A product's manager, offline, on the storage `storageFor` gives each batch: `count` executions,
 * timed one by one, in batches of 100 after a warm-up, each batch on a fresh state (the state's
 * entry deleted) so that the queue stays as short as an online product's (a long offline run is
 * measured apart: `queued` reports already waiting).
 */
async function authorizations(storageFor: () => ClientStorage, count: number, queued = 0): Promise<Figures> {
  const each: number[] = [];
  let elapsed = 0;
  for (let done = 0; done < count; done += 100) {
    const storage = storageFor();
    await storage.delete("state");
    const manager = new LicenseManager({
      product: "collector",
      trustedKeys,
      storage,
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

/** A bare transaction as authorizeExecution's: read a state-sized value, write it changed, commit. */
async function commits(storage: FileStorage): Promise<Figures> {
  const value = "x".repeat(600);
  let i = 0;
  const commit = () =>
    storage.exclusive(async () => {
      await storage.get("state");
      await storage.set("state", `${value}${i++}`);
    });
  await timed(50, commit);
  return timed(calls, commit);
}

try {
  const raw1 = await rawVerify();
  const durableStorage = await warmed();
  const durable = await authorizations(() => durableStorage, calls);
  const fresh = await authorizations(() => new FileStorage(folder()), calls);
  const volatileStorage = await warmed({ durable: false });
  const volatile = await authorizations(() => volatileStorage, calls);
  const memoryStorage = new MemoryStorage();
  const memory = await authorizations(() => memoryStorage, calls);
  const deep = await authorizations(() => durableStorage, Math.min(calls, 200), 1_000);
  const deepMemory = await authorizations(() => memoryStorage, Math.min(calls, 200), 1_000);
  const syncs = await commits(await warmed());
  const writes = await commits(await warmed({ durable: false }));
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
    row("authorizeExecution, SQLite durable (synchronous=FULL)", durable),
    row("authorizeExecution, durable, fresh database (WAL growing)", fresh),
    row("authorizeExecution, SQLite without fsync (NORMAL)", volatile),
    row("authorizeExecution, MemoryStorage", memory),
    row("authorizeExecution, durable, 1,000 reports queued", deep),
    row("authorizeExecution, MemoryStorage, 1,000 queued", deepMemory),
    row("bare commit: BEGIN IMMEDIATE, read, write, COMMIT", syncs, false),
    row("bare commit, without fsync (NORMAL)", writes, false),
  ]);
  console.log(
    `fsync per commit (p50): ${fixed(syncs.p50 - writes.p50, 1)} µs; ` +
      `authorizeExecution ÷ raw verify: ${fixed(durable.perSecond / raw, 2)}× durable ` +
      `(${fixed(fresh.perSecond / raw, 2)}× on a fresh database), ` +
      `${fixed(volatile.perSecond / raw, 2)}× without fsync (target ≥ 0.5× durable)`,
  );
  // What this disk allows: a durable call can be no faster than a bare durable commit.
  console.log(
    `durable authorizeExecution ÷ bare durable commit: ${fixed(durable.perSecond / syncs.perSecond, 2)}× ` +
      `(proposed target ≥ 0.5×, with ≥ 0.5× raw verify without fsync; see docs/benchmarks.md)`,
  );
} finally {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
}
