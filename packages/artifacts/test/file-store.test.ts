// The filesystem artifact store behind a real tus server (@tus/server on node:http), uploaded to by
// tus-js-client as the UI will: in chunks, stopped half-way and resumed from where the server says
// it is. Then read whole and by range, hashed, and removed; keys that could name a path refused.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { Server as TusServer } from "@tus/server";
import * as tus from "tus-js-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactNotFound, FileArtifactStore } from "../src/index.ts";

let directory: string;
let store: FileArtifactStore;
let http: Server;
let endpoint: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "artifacts-"));
  store = await FileArtifactStore.open(directory);
  const tusServer = new TusServer({ path: "/uploads", datastore: store.uploads });
  http = createServer((request, response) => void tusServer.handle(request, response));
  await new Promise<void>((listening) => http.listen(0, "127.0.0.1", listening));
  endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}/uploads`;
});
afterAll(async () => {
  await new Promise((closed) => http?.close(closed));
  await rm(directory, { recursive: true, force: true });
});

/** Uploads `bytes` in `chunkSize` chunks; with `stopAfter`, aborts once that many bytes are sent. */
function upload(
  bytes: Buffer,
  options: { chunkSize: number; uploadUrl?: string; stopAfter?: number },
): Promise<{ url: string; progress: number[] }> {
  const progress: number[] = [];
  return new Promise((resolve, reject) => {
    const sending: tus.Upload = new tus.Upload(bytes, {
      endpoint,
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
      chunkSize: options.chunkSize,
      retryDelays: [],
      metadata: { filename: "collector-2.0.0-linux-x64.tar.gz" },
      onChunkComplete: (_chunk, accepted) => {
        progress.push(accepted);
        if (options.stopAfter !== undefined && accepted >= options.stopAfter) {
          void sending.abort().then(() => resolve({ url: sending.url!, progress }));
        }
      },
      onSuccess: () => resolve({ url: sending.url!, progress }),
      onError: reject,
    });
    sending.start();
  });
}

const keyOf = (url: string) => url.split("/").at(-1)!;

describe("the filesystem artifact store", () => {
  it("takes a chunked upload stopped half-way and resumed, and holds exactly its bytes", async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const first = await upload(bytes, { chunkSize: 1024 * 1024, stopAfter: 2 * 1024 * 1024 });
    const key = keyOf(first.url);
    // Half-way, the artifact is not there yet.
    expect(await store.size(key)).toBeUndefined();
    await expect(store.read(key)).rejects.toBeInstanceOf(ArtifactNotFound);
    const second = await upload(bytes, { chunkSize: 1024 * 1024, uploadUrl: first.url });
    expect(second.url).toBe(first.url);
    // Resumed where the server stood: the first chunk it sends ends past what was sent before.
    expect(second.progress[0]).toBeGreaterThan(2 * 1024 * 1024);
    expect(second.progress.at(-1)).toBe(bytes.length);
    expect(await store.size(key)).toBe(bytes.length);
    expect(await store.digest(key)).toEqual({
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
  });

  it("reads whole, by range, the first and the last byte", async () => {
    const bytes = Buffer.from("0123456789abcdefghij");
    const key = keyOf((await upload(bytes, { chunkSize: 8 })).url);
    expect(await text(await store.read(key))).toBe(bytes.toString());
    expect(await text(await store.read(key, { start: 5, end: 9 }))).toBe("56789");
    expect(await text(await store.read(key, { start: 0, end: 0 }))).toBe("0");
    expect(await text(await store.read(key, { start: 19, end: 19 }))).toBe("j");
  });

  it("stores bytes in one go under a new key, and refuses fewer bytes than announced", async () => {
    const key = await store.put(Readable.from([Buffer.from("hello "), Buffer.from("world")]), 11);
    expect(await text(await store.read(key))).toBe("hello world");
    await expect(store.put(Readable.from([Buffer.from("short")]), 11)).rejects.toThrow(
      /5 bytes came where 11/,
    );
  });

  it("knows nothing of an unknown key, and refuses keys that could name a path", async () => {
    expect(await store.size("0123456789abcdef0123456789abcdef")).toBeUndefined();
    await expect(store.digest("0123456789abcdef0123456789abcdef")).rejects.toBeInstanceOf(ArtifactNotFound);
    for (const key of ["../etc/passwd", "a/b", "a.json", "", "x\u0000y", "é", "a".repeat(129)]) {
      await expect(store.size(key), key).rejects.toThrow(/not an artifact key/);
      await expect(store.read(key), key).rejects.toThrow(/not an artifact key/);
    }
  });

  it("removes an artifact and what its upload kept, and a removed or unknown key twice without error", async () => {
    const key = keyOf((await upload(Buffer.from("to be removed"), { chunkSize: 1024 })).url);
    expect(await readdir(directory)).toEqual(expect.arrayContaining([key, `${key}.json`]));
    await store.remove(key);
    await store.remove(key);
    await store.remove("0123456789abcdef0123456789abcdef");
    expect((await readdir(directory)).filter((name) => name.startsWith(key))).toEqual([]);
    expect(await store.size(key)).toBeUndefined();
  });
});
