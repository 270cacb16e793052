// The release feed of the license-server hand-off (issue 18): a license server learns every release
// published, corrected or yanked (pulled from GET /v1/sync/releases or pushed on <PREFIX>_RELEASES),
// mirrors its files with its sync token and serves the signed index it fetched as it is.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  distribution,
  type ReleaseEvent,
  releaseHandoffItemSchema,
  releaseIndexResponse,
  releases,
} from "@licensing/contracts";
import { openReleaseIndex } from "@licensing/model";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releasesStream } from "../src/domain/release-handoff.ts";
import { applyReleaseEvent } from "../src/domain/updates.ts";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

const token = "release-server-token-0123456789abcdef0123";
const bearer = { authorization: `Bearer ${token}` };
let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ syncTokens: [token] });
});
afterAll(() => t?.stop());

/** Stores `bytes` as a release file and publishes `version` of `product` with it. */
async function publish(version: string, bytes: Buffer, product = "collector") {
  const storageKey = await t.artifacts.put(Readable.from([bytes]), bytes.length);
  const draft = await t.env.bus.request(releases.createRelease, { product, version }, as);
  await t.env.bus.request(
    releases.addArtifact,
    {
      releaseId: draft.id,
      platform: "linux",
      arch: "x64",
      fileType: "tar.gz",
      fileName: `${product}-${version}.tar.gz`,
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      storageKey,
    },
    as,
  );
  return t.env.bus.request(releases.publishRelease, { id: draft.id }, as);
}

const feed = (cursor?: string, limit = 200) =>
  t.call("GET", `/v1/sync/releases?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, { headers: bearer });

/** The feed from `cursor` to its end, once `ready` holds of it. */
async function feedUntil(
  cursor: string | undefined,
  ready: (items: ReturnType<typeof releaseHandoffItemSchema.parse>[]) => boolean,
) {
  let items: ReturnType<typeof releaseHandoffItemSchema.parse>[] = [];
  await expect
    .poll(async () => {
      items = (await feed(cursor)).json().items.map((i: unknown) => releaseHandoffItemSchema.parse(i));
      return ready(items);
    })
    .toBe(true);
  return items;
}

describe("the release feed", () => {
  it("serves every release published, corrected or yanked since a cursor, newest state only, and pushes it", async () => {
    const start = (await feed()).json().nextCursor ?? undefined;
    const first = await publish("5.0.0", randomBytes(1_000));
    const second = await publish("5.1.0", randomBytes(1_000));
    await t.env.bus.request(releases.updateRelease, { id: first.id, notes: "# 5.0.0\n\nCorrected." }, as);
    await t.env.bus.request(releases.yankRelease, { id: second.id, reason: "breaks the proxy setting" }, as);
    const items = await feedUntil(start, (all) => all.some((i) => i.release.state === "yanked"));
    // Each release once, in the order of its last change: the correction, then the yank.
    expect(items.map((i) => [i.release.version, i.release.state])).toEqual([
      ["5.0.0", "published"],
      ["5.1.0", "yanked"],
    ]);
    expect(items[0]!.release.notes).toContain("Corrected.");
    expect(items[1]!.indexVersion).toBeGreaterThan(items[0]!.indexVersion);
    expect(items[0]!.release.artifacts[0]).toMatchObject({
      fileName: "collector-5.0.0.tar.gz",
      url: `/v1/sync/artifacts/${first.artifacts[0]!.id}`,
    });
    expect(items[0]!.release.artifacts[0]).not.toHaveProperty("storageKey");
    // Paged: one at a time, then nothing after the last cursor.
    const page = (await feed(start, 1)).json();
    expect(page).toMatchObject({ hasMore: true, items: [{ release: { id: first.id } }] });
    const rest = (await feed(page.nextCursor)).json();
    expect(rest.items.map((i: { release: { id: string } }) => i.release.id)).toEqual([second.id]);
    expect((await feed(rest.nextCursor)).json()).toEqual({
      items: [],
      nextCursor: rest.nextCursor,
      hasMore: false,
    });

    // Pushed: the stream keeps each release's newest state.
    const jsm = await jetstreamManager(t.env.nc);
    const subject = `${t.env.prefix}.releases.${second.id}`;
    await expect
      .poll(async () => {
        const message = await jsm.streams
          .getMessage(releasesStream(t.env.prefix), { last_by_subj: subject })
          .catch(() => null);
        return message ? releaseHandoffItemSchema.parse(message.json()).release.state : undefined;
      })
      .toBe("yanked");
    expect((await jsm.streams.info(releasesStream(t.env.prefix))).config.max_msgs_per_subject).toBe(1);
  });

  it("ignores an older event arriving after a newer one, and keeps a yank final", async () => {
    const release = await publish("6.0.0", randomBytes(500));
    await t.env.bus.request(releases.updateRelease, { id: release.id, notes: "newest notes" }, as);
    const [item] = await feedUntil(undefined, (all) =>
      all.some((i) => i.release.id === release.id && i.release.notes === "newest notes"),
    ).then((all) => all.filter((i) => i.release.id === release.id));
    // The publication's event again, late: an older index version changes nothing, not even the feed.
    const late: ReleaseEvent = {
      ...release,
      notes: "stale notes",
      indexVersion: item!.indexVersion - 1,
    };
    await t.orm.em.fork().transactional((em) => applyReleaseEvent(em, late));
    const after = (await feed(String(Number(item!.cursor) - 1))).json().items;
    expect(after.find((i: { release: { id: string } }) => i.release.id === release.id)).toMatchObject({
      cursor: item!.cursor,
      release: { notes: "newest notes" },
    });
  });

  it("needs a sync token, and names a bad cursor", async () => {
    expect((await t.call("GET", "/v1/sync/releases")).statusCode).toBe(401);
    const { licenseKey } = await t.issue();
    expect((await t.call("GET", "/v1/sync/releases", { key: licenseKey })).statusCode).toBe(401);
    const bad = await t.call("GET", "/v1/sync/releases?cursor=-1", { headers: bearer });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "validation_failed" });
    expect(bad.json().message).toContain("cursor");
  });
});

describe("mirroring a release's files and index", () => {
  it("serves the files whole and by range to a sync token, uncounted, and not once yanked", async () => {
    const bytes = randomBytes(200_000);
    const release = await publish("7.0.0", bytes);
    const url = `/v1/sync/artifacts/${release.artifacts[0]!.id}`;
    await expect.poll(async () => (await t.call("GET", url, { headers: bearer })).statusCode).toBe(200);
    const whole = await t.call("GET", url, { headers: bearer });
    expect(whole.rawPayload.equals(bytes)).toBe(true);
    expect(whole.headers.etag).toBe(`"${release.artifacts[0]!.sha256}"`);
    const part = await t.call("GET", url, { headers: { ...bearer, range: "bytes=150000-" } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(bytes.subarray(150_000))).toBe(true);
    expect((await t.call("GET", url)).statusCode).toBe(401);
    // A mirror's copies are not products' downloads.
    expect(await t.env.bus.request(distribution.releaseDownloads, { releaseId: release.id })).toMatchObject({
      total: 0,
    });
    await t.env.bus.request(releases.yankRelease, { id: release.id, reason: "withdrawn for a fix" }, as);
    await expect.poll(async () => (await t.call("GET", url, { headers: bearer })).statusCode).toBe(403);
  });

  it("hands out the channel's signed index, signed again with fresh dates (and on a clock set back) under the same version", async () => {
    await publish("8.0.0", randomBytes(300), "cockpit");
    const keys = (
      (await t.call("GET", "/v1/keys?role=release")).json().keys as {
        keyId: string;
        publicKey: string;
      }[]
    ).map((k) => ({ keyId: k.keyId, publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64")) }));
    const url = "/v1/sync/release-index?product=cockpit&channel=stable";
    await expect.poll(async () => (await t.call("GET", url, { headers: bearer })).statusCode).toBe(200);
    const first = releaseIndexResponse.parse((await t.call("GET", url, { headers: bearer })).json());
    const opened = openReleaseIndex(first.index, { keys, now: t.clock.now(), product: "cockpit" });
    expect(opened.index.releases.map((r) => r.version)).toEqual(["8.0.0"]);
    expect(first.expiresAt).toBe(opened.index.expiresAt);

    // The clock set back two hours: the cached signature's dates were reckoned from a later time, so
    // the index is signed afresh; a product that accepted the first accepts this one (same content).
    t.clock.advance(-2 * 3_600_000);
    try {
      const again = releaseIndexResponse.parse((await t.call("GET", url, { headers: bearer })).json());
      expect(again.indexVersion).toBe(first.indexVersion);
      expect(Date.parse(again.expiresAt)).toBeLessThan(Date.parse(first.expiresAt));
      expect(
        openReleaseIndex(again.index, { keys, now: t.clock.now(), lastSeen: opened.state }).state
          .indexVersion,
      ).toBe(first.indexVersion);
    } finally {
      t.clock.advance(2 * 3_600_000);
    }

    expect(
      (
        await t.call("GET", "/v1/sync/release-index?product=nothing&channel=stable", { headers: bearer })
      ).json(),
    ).toMatchObject({ code: "not_found" });
    expect((await t.call("GET", url)).statusCode).toBe(401);
    const unknown = await t.call("GET", `${url}&extra=1`, { headers: bearer });
    expect(unknown.statusCode).toBe(400);
  });
});
