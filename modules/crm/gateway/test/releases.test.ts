// The Update server's routes end to end (issue 18): browser → gateway → NATS → the catalog, and release
// files uploaded with the tus protocol (tus-js-client against the gateway listening on a port) into the
// artifact store, hashed and attached to the draft, then published or refused.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, utimes } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { FileArtifactStore } from "@licensing/artifacts";
import { type ProductRelease, releases } from "@licensing/contracts";
import {
  type Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "@licensing/gateway/testing";
import * as tus from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepUploads } from "../src/upload-sweeper.ts";

let gw: GatewayUnderTest;
let artifacts: FileArtifactStore;
let directory: string;
let origin: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "gateway-artifacts-"));
  artifacts = await FileArtifactStore.open(directory);
  gw = await startGateway({ catalog: true, activateCrm: true, overrides: { artifacts } });
  await gw.app.listen({ port: 0, host: "127.0.0.1" });
  origin = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`;
  await gw.admin.post("/api/products", { code: "collector", name: "Collector" });
});
afterAll(async () => {
  await gw?.stop();
  await rm(directory, { recursive: true, force: true });
});

/** Uploads `bytes` as `who` for `releaseId`; resolves with the upload's response headers, or rejects. */
function upload(
  who: Browser,
  bytes: Buffer,
  metadata: Record<string, string>,
  options: { chunkSize?: number; stopAfter?: number; uploadUrl?: string } = {},
): Promise<{ url: string; artifactId: string | null }> {
  return new Promise((resolve, reject) => {
    let artifactId: string | null = null;
    const sending: tus.Upload = new tus.Upload(bytes, {
      endpoint: `${origin}/api/release-uploads`,
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
      chunkSize: options.chunkSize ?? 64 * 1024,
      retryDelays: [],
      metadata,
      headers: { cookie: `lic_session=${who.session}`, "x-csrf-token": who.csrfToken! },
      onAfterResponse: (_request, response) => {
        artifactId = response.getHeader("Artifact-Id") ?? artifactId;
      },
      onChunkComplete: (_size, accepted) => {
        if (options.stopAfter !== undefined && accepted >= options.stopAfter)
          void sending.abort().then(() => resolve({ url: sending.url!, artifactId: null }));
      },
      onSuccess: () => resolve({ url: sending.url!, artifactId }),
      onError: reject,
    });
    sending.start();
  });
}

const meta = (releaseId: string, overrides: Record<string, string> = {}) => ({
  releaseId,
  platform: "linux",
  arch: "x64",
  fileType: "tar.gz",
  filename: "collector-linux-x64.tar.gz",
  ...overrides,
});

describe("the Update server's routes", () => {
  it("creates a draft, takes a file uploaded in chunks and resumed, and publishes it", async () => {
    const created = await gw.admin.post("/api/products/collector/releases", {
      version: "2.0.0",
      channel: "stable",
      notes: "# 2.0.0",
    });
    expect(created.statusCode).toBe(201);
    const draft = created.json<ProductRelease>();
    // Publishing without a file: refused, naming why.
    const early = await gw.admin.post(`/api/releases/${draft.id}/publish`, {});
    expect(early.json<ErrorResponse>()).toMatchObject({ code: "conflict" });

    const bytes = randomBytes(600 * 1024 + 17);
    const first = await upload(gw.admin, bytes, meta(draft.id), { stopAfter: 256 * 1024 });
    const done = await upload(gw.admin, bytes, meta(draft.id), { uploadUrl: first.url });
    expect(done.artifactId).toMatch(/^art_/);
    const release = (await gw.admin.get(`/api/releases/${draft.id}`)).json<ProductRelease>();
    expect(release.artifacts).toMatchObject([
      {
        id: done.artifactId,
        size: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        fileName: "collector-linux-x64.tar.gz",
      },
    ]);
    const published = await gw.admin.post(`/api/releases/${draft.id}/publish`, {});
    expect(published.json<ProductRelease>().state).toBe("published");
    // A published release takes no more files.
    await expect(upload(gw.admin, randomBytes(10), meta(draft.id, { arch: "arm64" }))).rejects.toThrow(
      /409|conflict/,
    );
    const listed = (await gw.admin.get("/api/products/collector/releases?state=published")).json<{
      items: ProductRelease[];
    }>();
    expect(listed.items.map((r) => r.version)).toEqual(["2.0.0"]);
  });

  it("refuses an upload that does not say what it is, and one for a target the draft has", async () => {
    const draft = (
      await gw.admin.post("/api/products/collector/releases", { version: "2.1.0" })
    ).json<ProductRelease>();
    await expect(
      upload(gw.admin, randomBytes(10), meta(draft.id, { platform: "Windows 11" })),
    ).rejects.toThrow(/platform/);
    await expect(upload(gw.admin, randomBytes(10), meta(draft.id, { filename: "../evil" }))).rejects.toThrow(
      /fileName|filename/,
    );
    await expect(upload(gw.admin, randomBytes(10), meta("rel_01M8ZZZZZZZZZZZZZZZZZZZZZZ"))).rejects.toThrow(
      /404|not_found/,
    );
    const kept = await upload(gw.admin, randomBytes(100), meta(draft.id));
    expect(kept.artifactId).toMatch(/^art_/);
    await expect(upload(gw.admin, randomBytes(100), meta(draft.id))).rejects.toThrow(/409|already_exists/);
    // Deleting the draft removes its file from the store.
    const storageKey = (await gw.admin.get(`/api/releases/${draft.id}`)).json<ProductRelease>().artifacts[0]!
      .storageKey;
    expect(await artifacts.size(storageKey)).toBe(100);
    expect((await gw.admin.delete(`/api/releases/${draft.id}`)).statusCode).toBe(200);
    expect(await artifacts.size(storageKey)).toBeUndefined();
  });

  it("lets a release manager publish and yank, and a viewer only read", async () => {
    const manager = await gw.userWith(["release-manager"]);
    const viewer = await gw.userWith(["viewer"]);
    const draft = (
      await manager.post("/api/products/collector/releases", { version: "3.0.0" })
    ).json<ProductRelease>();
    await upload(manager, randomBytes(50), meta(draft.id));
    expect((await viewer.get(`/api/releases/${draft.id}`)).statusCode).toBe(200);
    expect((await viewer.post(`/api/releases/${draft.id}/publish`, {})).json<ErrorResponse>().code).toBe(
      "forbidden",
    );
    await expect(upload(viewer, randomBytes(10), meta(draft.id, { arch: "arm64" }))).rejects.toThrow(
      /403|forbidden/,
    );
    expect((await manager.post(`/api/releases/${draft.id}/publish`, {})).statusCode).toBe(200);
    const yank = await manager.post(`/api/releases/${draft.id}/yank`, { reason: "x" });
    expect(yank.json<ErrorResponse>().code).toBe("validation_failed");
    expect(
      (await manager.post(`/api/releases/${draft.id}/yank`, { reason: "breaks upgrades" })).statusCode,
    ).toBe(200);
    // Channels: a release manager edits them, and may not delete one in use.
    expect(
      (await manager.put("/api/release-channels/nightly", { name: "Nightly", kinds: ["test"], position: 3 }))
        .statusCode,
    ).toBe(200);
    expect((await manager.delete("/api/release-channels/stable")).json<ErrorResponse>().code).toBe(
      "conflict",
    );
    expect(
      (await viewer.put("/api/release-channels/x", { name: "X", kinds: ["test"] })).json<ErrorResponse>()
        .code,
    ).toBe("forbidden");
  });

  it("sweeps uploads abandoned unfinished or left unattached, and keeps the rest", async () => {
    const created = await gw.admin.post("/api/products/collector/releases", {
      version: "9.0.0",
      channel: "stable",
    });
    const draft = created.json() as ProductRelease;
    const attached = await upload(gw.admin, randomBytes(50_000), meta(draft.id));
    const half = await upload(gw.admin, randomBytes(300_000), meta(draft.id, { arch: "arm64" }), {
      chunkSize: 64 * 1024,
      stopAfter: 64 * 1024,
    });
    // The gateway killed between the last byte and attaching the file: bytes no release holds.
    const orphan = await artifacts.put(Readable.from([randomBytes(1_000)]), 1_000);
    const young = await artifacts.put(Readable.from([randomBytes(1_000)]), 1_000);
    const keyOf = (url: string) => url.split("/").at(-1)!;
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3_600_000);
    for (const key of [keyOf(attached.url), keyOf(half.url), orphan])
      await utimes(join(directory, key), twoDaysAgo, twoDaysAgo);
    const known = async (keys: string[]) =>
      (await gw.env.bus.request(releases.knownArtifactKeys, { keys })).known;
    const sweep = { store: artifacts, known, abandonedAfterMs: 24 * 3_600_000, now: () => new Date() };

    const held = async () => {
      const keys: string[] = [];
      for await (const stored of artifacts.list()) keys.push(stored.key);
      return keys;
    };
    expect(await held()).toEqual(expect.arrayContaining([keyOf(half.url), orphan, young]));

    // The catalog cannot answer: the unfinished upload goes (that needs no one's word), nothing finished does.
    await expect(
      sweepUploads({ ...sweep, known: () => Promise.reject(new Error("catalog away")) }),
    ).rejects.toThrow("catalog away");
    expect(await held()).not.toContain(keyOf(half.url));
    expect(await artifacts.size(orphan)).toBe(1_000);

    expect(await sweepUploads(sweep)).toEqual({ unfinished: 0, unattached: 1 });
    expect(await artifacts.size(orphan)).toBeUndefined();
    expect(await held()).toEqual(expect.arrayContaining([young, keyOf(attached.url)]));
    expect(await artifacts.size(keyOf(attached.url))).toBe(50_000);
    // The release still serves its file.
    const release = (await gw.admin.get(`/api/releases/${draft.id}`)).json() as ProductRelease;
    expect(release.artifacts.map((a) => a.storageKey)).toEqual([keyOf(attached.url)]);
  });
});
