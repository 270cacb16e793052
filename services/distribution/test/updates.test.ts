// Update checks (issue 18): releases published in the catalog reach distribution's read model
// through their events; a product asks with its license key and gets the best upgrade its license
// is entitled to, or the reason there is none, with the channel's index signed by the release key.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { distribution, releases } from "@licensing/contracts";
import { openReleaseIndex } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

const file = (platform: string, arch: string, fileType = "tar.gz") => ({
  platform,
  arch,
  fileType,
  fileName: `collector-${platform}-${arch}.${fileType}`,
  size: 10_000 + Math.floor(Math.random() * 1_000),
  sha256: randomBytes(32).toString("hex"),
  storageKey: randomBytes(16).toString("hex"),
});

/** Publishes `version` of the collector on `channel` with `files`, as a release manager would. */
async function publish(
  version: string,
  options: { channel?: string; files?: ReturnType<typeof file>[]; min?: string } = {},
) {
  const draft = await t.env.bus.request(
    releases.createRelease,
    {
      product: "collector",
      version,
      channel: options.channel ?? "stable",
      ...(options.min ? { minUpgradableFrom: options.min } : {}),
    },
    as,
  );
  for (const f of options.files ?? [file("linux", "x64")])
    await t.env.bus.request(releases.addArtifact, { releaseId: draft.id, ...f }, as);
  return t.env.bus.request(releases.publishRelease, { id: draft.id }, as);
}

async function check(licenseKey: string, body: Record<string, unknown>) {
  return t.call("POST", "/v1/updates/check", {
    key: licenseKey,
    body: { product: "collector", platform: "linux", arch: "x64", ...body },
  });
}

async function releaseKeys() {
  const { keys } = (await t.call("GET", "/v1/keys?role=release")).json() as {
    keys: { keyId: string; publicKey: string }[];
  };
  return keys.map((k) => ({ keyId: k.keyId, publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64")) }));
}

describe("POST /v1/updates/check", () => {
  it("says up to date before any release, then offers the newest release with a file for the platform", async () => {
    const { licenseKey } = await t.issue();
    const before = await check(licenseKey, { currentVersion: "1.0.0" });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ update: false, reason: "up_to_date", index: null });

    await publish("1.1.0");
    const linuxOnly = await publish("1.2.0", {
      files: [file("linux", "x64"), file("windows", "x64", "msi")],
    });
    await publish("1.3.0", { files: [file("windows", "x64", "msi")] });
    // Once the three events are in (1.3.0, Windows only, is the last).
    await expect
      .poll(
        async () =>
          (await check(licenseKey, { currentVersion: "1.0.0", platform: "windows" })).json().release?.version,
      )
      .toBe("1.3.0");
    const answer = (await check(licenseKey, { currentVersion: "1.0.0" })).json();
    const artifact = linuxOnly.artifacts.find((a) => a.platform === "linux")!;
    expect(answer).toMatchObject({
      update: true,
      reason: null,
      currentYanked: false,
      release: {
        version: "1.2.0",
        artifact: {
          id: artifact.id,
          sha256: artifact.sha256,
          size: artifact.size,
          url: `/v1/updates/artifacts/${artifact.id}`,
        },
      },
    });
    // The index is the release key's, and says the same.
    const opened = openReleaseIndex(answer.index, {
      keys: await releaseKeys(),
      product: "collector",
      channel: "stable",
      now: new Date(),
    });
    expect(opened.index.releases.map((r) => r.version).sort()).toEqual(["1.1.0", "1.2.0", "1.3.0"]);
    expect(opened.index.indexVersion).toBe(3);
    // Windows gets 1.3.0; a machine on 1.2.0 is up to date on Linux.
    expect(
      (await check(licenseKey, { currentVersion: "1.0.0", platform: "windows" })).json().release.version,
    ).toBe("1.3.0");
    expect((await check(licenseKey, { currentVersion: "1.2.0" })).json()).toMatchObject({
      update: false,
      reason: "no_artifact_for_platform",
    });
  });

  it("skips a yanked release, tells a product running it, and respects the upgradable-from range", async () => {
    const { licenseKey } = await t.issue();
    const broken = await publish("1.4.0");
    await publish("2.0.0", { min: "1.3.0" });
    await t.env.bus.request(releases.yankRelease, { id: broken.id, reason: "corrupts the cache" }, as);
    await expect
      .poll(async () => (await check(licenseKey, { currentVersion: "1.4.0" })).json().currentYanked)
      .toBe(true);
    expect((await check(licenseKey, { currentVersion: "1.4.0" })).json().release.version).toBe("2.0.0");
    // 2.0.0 installs over 1.3.0 and later only: from 1.1.0 the best is 1.2.0.
    expect((await check(licenseKey, { currentVersion: "1.1.0" })).json().release.version).toBe("1.2.0");
  });

  it("offers beta releases to test licenses only, and nothing of another product", async () => {
    await publish("3.0.0-beta.1", { channel: "beta" });
    const commercial = await t.issue({ kind: "commercial" });
    const test = await t.issue({ kind: "test" });
    const refused = await check(commercial.licenseKey, { currentVersion: "2.0.0", channel: "beta" });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: "forbidden", message: expect.stringContaining("Beta") });
    await expect
      .poll(
        async () =>
          (await check(test.licenseKey, { currentVersion: "2.0.0", channel: "beta" })).json().release
            ?.version,
      )
      .toBe("3.0.0-beta.1");
    const cockpit = await t.issue({ products: ["cockpit"] });
    expect((await check(cockpit.licenseKey, { currentVersion: "1.0.0" })).statusCode).toBe(403);
    expect((await check(test.licenseKey, { currentVersion: "1.0.0", channel: "nightly" })).statusCode).toBe(
      404,
    );
  });

  it("does not offer releases published after the license's end, and says so", async () => {
    const ended = await t.issue({
      startDate: "2020-01-01T00:00:00Z",
      endDate: "2021-01-01T00:00:00Z",
    });
    const answer = await check(ended.licenseKey, { currentVersion: "1.0.0" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ update: false, reason: "not_entitled", release: null });
    expect(answer.json().index).toEqual(expect.any(String));
  });

  it("serves the file of an entitled release whole and by range, and refuses the others", async () => {
    const bytes = randomBytes(300_000);
    const storageKey = await t.artifacts.put(Readable.from([bytes]), bytes.length);
    const stored = {
      ...file("linux", "arm64"),
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      storageKey,
    };
    const release = await publish("4.0.0", { files: [stored] });
    const artifactId = release.artifacts[0]!.id;
    const { licenseKey } = await t.issue();
    const url = `/v1/updates/artifacts/${artifactId}`;
    await expect.poll(async () => (await t.call("GET", url, { key: licenseKey })).statusCode).toBe(200);
    const whole = await t.call("GET", url, { key: licenseKey });
    expect(whole.rawPayload.equals(bytes)).toBe(true);
    expect(whole.headers).toMatchObject({
      "accept-ranges": "bytes",
      etag: `"${stored.sha256}"`,
      "content-length": String(bytes.length),
      "content-type": "application/octet-stream",
    });
    // Resuming: the rest from where a broken download stopped, and a middle part.
    const rest = await t.call("GET", url, { key: licenseKey, headers: { range: "bytes=200000-" } });
    expect(rest.statusCode).toBe(206);
    expect(rest.headers["content-range"]).toBe(`bytes 200000-299999/${bytes.length}`);
    expect(rest.rawPayload.equals(bytes.subarray(200_000))).toBe(true);
    const middle = await t.call("GET", url, { key: licenseKey, headers: { range: "bytes=10-19" } });
    expect(middle.rawPayload.equals(bytes.subarray(10, 20))).toBe(true);
    // An If-Range naming another file: the whole current file.
    const changed = await t.call("GET", url, {
      key: licenseKey,
      headers: { range: "bytes=10-19", "if-range": '"old"' },
    });
    expect(changed.statusCode).toBe(200);
    const outside = await t.call("GET", url, { key: licenseKey, headers: { range: "bytes=300000-" } });
    expect(outside.statusCode).toBe(416);
    expect(outside.json()).toMatchObject({ code: "range_not_satisfiable" });
    expect(outside.headers["content-range"]).toBe(`bytes */${bytes.length}`);
    // Another product's license, a license that ended before the release, no key, an unknown id.
    const cockpit = await t.issue({ products: ["cockpit"] });
    expect((await t.call("GET", url, { key: cockpit.licenseKey })).statusCode).toBe(403);
    const ended = await t.issue({ startDate: "2020-01-01T00:00:00Z", endDate: "2021-01-01T00:00:00Z" });
    expect((await t.call("GET", url, { key: ended.licenseKey })).statusCode).toBe(403);
    expect((await t.call("GET", url)).statusCode).toBe(401);
    expect(
      (await t.call("GET", "/v1/updates/artifacts/art_01M8ZZZZZZZZZZZZZZZZZZZZZZ", { key: licenseKey }))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.call("GET", "/v1/updates/artifacts/../../etc", { key: licenseKey })).statusCode,
    ).toBeGreaterThanOrEqual(400);
    // Counted once per download from the first byte (the poll's, the whole, the If-Range one), not per resumed part.
    const counted = await t.env.bus.request(distribution.releaseDownloads, { releaseId: release.id });
    expect(counted).toMatchObject({
      total: 3,
      byArtifact: [{ artifactId, downloads: 3 }],
      byAccount: [{ downloads: 3 }],
    });
    // A yanked release's file is no longer served.
    await t.env.bus.request(releases.yankRelease, { id: release.id, reason: "withdrawn for a fix" }, as);
    await expect.poll(async () => (await t.call("GET", url, { key: licenseKey })).statusCode).toBe(403);
  });

  it("signs the index afresh when the clock is set back or its signature is an hour old", async () => {
    const { licenseKey } = await t.issue({
      startDate: "2020-01-01T00:00:00Z",
      endDate: "2099-01-01T00:00:00Z",
    });
    const keys = await releaseKeys();
    const indexAt = async () => {
      const answer = (await check(licenseKey, { currentVersion: "1.0.0" })).json();
      const opened = openReleaseIndex(answer.index, {
        keys,
        product: "collector",
        channel: "stable",
        now: t.clock.now(),
      });
      return opened.index;
    };
    const first = await indexAt();
    expect(await indexAt()).toEqual(first); // the same version, served from the cache
    const hour = 3_600_000;
    t.clock.advance(-2 * hour);
    try {
      // An index signed by the later clock would claim an issue time in this clock's future.
      const setBack = await indexAt();
      expect(Date.parse(setBack.issuedAt)).toBeLessThanOrEqual(t.clock.now().getTime());
      expect(Date.parse(setBack.issuedAt)).toBeLessThan(Date.parse(first.issuedAt));
      expect(Date.parse(setBack.expiresAt) - Date.parse(setBack.issuedAt)).toBe(24 * hour);
      expect(setBack.indexVersion).toBe(first.indexVersion);
    } finally {
      t.clock.advance(2 * hour);
    }
    // More than an hour on: the same version again, with a fresh expiry.
    t.clock.advance(hour + 60_000);
    try {
      const later = await indexAt();
      expect(later.indexVersion).toBe(first.indexVersion);
      expect(Date.parse(later.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    } finally {
      t.clock.advance(-(hour + 60_000));
    }
  });

  it("names what is wrong with a request", async () => {
    const { licenseKey } = await t.issue();
    for (const [body, path] of [
      [{ currentVersion: "one" }, "currentVersion"],
      [{ currentVersion: "1.0.0", extra: true }, "extra"],
      [{ currentVersion: "1.0.0", channel: "Beta Channel" }, "channel"],
      [{ currentVersion: "1.0.0\u0000" }, "currentVersion"],
      [{ currentVersion: "1.0.0", platform: "x".repeat(33) }, "platform"],
    ] as const) {
      const refused = await check(licenseKey, body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(refused.json()), JSON.stringify(body)).toContain(path);
    }
    expect((await t.call("POST", "/v1/updates/check", { body: { product: "collector" } })).statusCode).toBe(
      401,
    );
  });
});
