// checkForUpdate and downloadUpdate against a real distribution service (issue 18), and the attacks a
// secure updater must resist, played by a fetch that hands the client what an attacker would: an
// older index (rollback), an index past its life (frozen), an answer the index does not hold, a file
// that is not the one released, and an index signed by a key the product did not pin for releases.
import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { releases } from "@licensing/contracts";
import { as, type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LicenseError, type LicenseManager, MemoryStorage, type TrustedKey } from "../src/index.ts";
import { manager, pinnedKeys, temporaryDir } from "./client-harness.ts";

let t: DistributionUnderTest;
let releaseKeys: TrustedKey[];
const bytes = randomBytes(200_000);

beforeAll(async () => {
  t = await startDistribution();
  releaseKeys = ((await (await fetch(`${t.url}/v1/keys?role=release`)).json()) as { keys: TrustedKey[] })
    .keys;
});
afterAll(() => t?.stop());

async function publish(version: string, file: Buffer = bytes) {
  const storageKey = await t.artifacts.put(Readable.from([file]), file.length);
  const draft = await t.env.bus.request(releases.createRelease, { product: "collector", version }, as);
  await t.env.bus.request(
    releases.addArtifact,
    {
      releaseId: draft.id,
      platform: "linux",
      arch: "x64",
      fileType: "tar.gz",
      fileName: `collector-${version}.tar.gz`,
      size: file.length,
      sha256: createHash("sha256").update(file).digest("hex"),
      storageKey,
    },
    as,
  );
  return t.env.bus.request(releases.publishRelease, { id: draft.id }, as);
}

async function updater(options: Parameters<typeof manager>[1] = {}): Promise<LicenseManager> {
  const { licenseKey } = await t.issue();
  return manager(t, {
    licenseKey,
    trustedKeys: [...(await pinnedKeys(t)), ...releaseKeys.map((k) => ({ ...k, role: "release" as const }))],
    storage: new MemoryStorage(),
    ...options,
  });
}

const target = { platform: "linux", arch: "x64" };
const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: unknown) => (error instanceof LicenseError ? error.reason : String(error)),
  );

describe("checkForUpdate and downloadUpdate", () => {
  it("find the update, download it (resuming a cut download), and keep it only once verified", async () => {
    await publish("1.1.0");
    const m = await updater();
    await expect
      .poll(async () => {
        const check = await m.checkForUpdate({ currentVersion: "1.0.0", ...target });
        return check.update ? check.release.version : check.reason;
      })
      .toBe("1.1.0");
    const dir = temporaryDir();
    const path = join(dir, "collector.tar.gz");
    // A previous try was cut after 50,000 bytes: the rest comes by range.
    await writeFile(`${path}.part`, bytes.subarray(0, 50_000));
    const saved = await m.downloadUpdate(path);
    expect(saved).toMatchObject({ path, size: bytes.length });
    expect((await readFile(path)).equals(bytes)).toBe(true);
    // Up to date once installed.
    expect(await m.checkForUpdate({ currentVersion: "1.1.0", ...target })).toMatchObject({
      update: false,
      reason: "up_to_date",
    });
  });

  it("refuses a file that is not the one released, and deletes it", async () => {
    const m = await updater();
    const check = await m.checkForUpdate({ currentVersion: "1.0.0", ...target });
    expect(check.update).toBe(true);
    const dir = temporaryDir();
    const path = join(dir, "collector.tar.gz");
    // What the disk already holds was tampered with: its hash cannot match.
    const tampered = Buffer.from(bytes.subarray(0, 50_000));
    tampered[10] = tampered[10]! ^ 0xff;
    await writeFile(`${path}.part`, tampered);
    expect(await reasonOf(m.downloadUpdate(path))).toBe("artifact_mismatch");
    await expect(readFile(`${path}.part`)).rejects.toThrow();
    await expect(readFile(path)).rejects.toThrow();
  });

  it("refuses an older index (rollback), an expired one (frozen), and an answer the index does not hold", async () => {
    // The answers as the server gave them, then replayed by an attacker in the middle.
    const answers: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith("/v1/updates/check")) {
        const text = await response.text();
        answers.push(text);
        return new Response(text, { status: response.status, headers: response.headers });
      }
      return response;
    };
    const storage = new MemoryStorage();
    const m = await updater({ fetch: recording as never, storage });
    await m.checkForUpdate({ currentVersion: "1.0.0", ...target });
    await publish("1.2.0");
    await expect
      .poll(async () => {
        const check = await m.checkForUpdate({ currentVersion: "1.0.0", ...target });
        return check.update ? check.release.version : check.reason;
      })
      .toBe("1.2.0");
    const old = answers[0]!;
    const replaying = (text: string) =>
      (async () =>
        new Response(text, { status: 200, headers: { "content-type": "application/json" } })) as never;
    const { licenseKey } = await t.issue();
    const keys = [...(await pinnedKeys(t)), ...releaseKeys.map((k) => ({ ...k, role: "release" as const }))];
    const replayed = await manager(t, { licenseKey, trustedKeys: keys, storage, fetch: replaying(old) });
    expect(await reasonOf(replayed.checkForUpdate({ currentVersion: "1.0.0", ...target }))).toBe(
      "index_rollback",
    );
    // Frozen: the newest index, two days later.
    const newest = answers.at(-1)!;
    const later = await manager(t, {
      licenseKey,
      trustedKeys: keys,
      storage: new MemoryStorage(),
      fetch: replaying(newest),
      now: () => new Date(Date.now() + 2 * 86_400_000),
    });
    expect(await reasonOf(later.checkForUpdate({ currentVersion: "1.0.0", ...target }))).toBe(
      "index_expired",
    );
    // The answer points at a file the index does not hold.
    const forged = JSON.parse(newest) as { release: { artifact: { sha256: string } } };
    forged.release.artifact.sha256 = "0".repeat(64);
    const lying = await manager(t, {
      licenseKey,
      trustedKeys: keys,
      storage: new MemoryStorage(),
      fetch: replaying(JSON.stringify(forged)),
    });
    expect(await reasonOf(lying.checkForUpdate({ currentVersion: "1.0.0", ...target }))).toBe(
      "update_mismatch",
    );
    // The license keys alone pinned: the index's release key is not trusted for it.
    const licenseKeysOnly = await manager(t, {
      licenseKey,
      trustedKeys: await pinnedKeys(t),
      storage: new MemoryStorage(),
    });
    expect(await reasonOf(licenseKeysOnly.checkForUpdate({ currentVersion: "1.0.0", ...target }))).toBe(
      "untrusted_key",
    );
  });

  it("says when the channel is not the license's, and when there is nothing to download", async () => {
    const m = await updater();
    expect(await reasonOf(m.checkForUpdate({ currentVersion: "1.0.0", channel: "beta", ...target }))).toBe(
      "not_entitled",
    );
    await expect(m.downloadUpdate(join(temporaryDir(), "x"))).rejects.toThrow(/No update to download/);
  });
});
