// A release upload across two gateway replicas on one database, bus and artifact store, as behind a
// reverse proxy without sticky sessions: chunks sent to either replica in turn, and two PATCHes at
// the same offset racing on both (a client retrying while its first request still hangs).
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileArtifactStore } from "@licensing/artifacts";
import { type ProductRelease, streamNames } from "@licensing/contracts";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let gw: GatewayUnderTest;
let directory: string;
let replicaA: string;
let replicaB: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "gateway-artifacts-"));
  const artifacts = await FileArtifactStore.open(directory);
  gw = await startGateway({ catalog: true, activateCrm: true, overrides: { artifacts } });
  const other = await gw.startAnother();
  const originOf = async (app: GatewayUnderTest["app"]) => {
    await app.listen({ port: 0, host: "127.0.0.1" });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };
  replicaA = await originOf(gw.app);
  replicaB = await originOf(other.app);
  await gw.admin.post("/api/products", { code: "collector", name: "Collector" });
});
afterAll(async () => {
  await gw?.stop();
  await rm(directory, { recursive: true, force: true });
});

const tusHeaders = () => ({
  "tus-resumable": "1.0.0",
  cookie: `lic_session=${gw.admin.session}`,
  "x-csrf-token": gw.admin.csrfToken!,
});

async function createUpload(origin: string, size: number, releaseId: string): Promise<string> {
  const metadata = Object.entries({
    releaseId,
    platform: "linux",
    arch: "x64",
    fileType: "tar.gz",
    filename: "collector-linux-x64.tar.gz",
  })
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");
  const created = await fetch(`${origin}/api/release-uploads`, {
    method: "POST",
    headers: { ...tusHeaders(), "upload-length": String(size), "upload-metadata": metadata },
  });
  expect(created.status).toBe(201);
  return created.headers.get("location")!;
}

function patch(origin: string, path: string, offset: number, chunk: Buffer) {
  return fetch(`${origin}${path}`, {
    method: "PATCH",
    headers: {
      ...tusHeaders(),
      "upload-offset": String(offset),
      "content-type": "application/offset+octet-stream",
    },
    body: chunk,
  });
}

async function offsetOn(origin: string, path: string): Promise<number> {
  const head = await fetch(`${origin}${path}`, { method: "HEAD", headers: tusHeaders() });
  expect(head.status).toBe(200);
  return Number(head.headers.get("upload-offset"));
}

describe("a release upload over two gateway replicas", () => {
  it("takes chunks on either replica, and refuses the second of two PATCHes racing at one offset", async () => {
    const draft = (
      await gw.admin.post("/api/products/collector/releases", { version: "3.0.0" })
    ).json<ProductRelease>();
    const bytes = randomBytes(256 * 1024 + 5);
    const chunk = 64 * 1024;
    const path = await createUpload(replicaA, bytes.length, draft.id);
    const key = path.split("/").at(-1)!;

    // The first two chunks, one on each replica.
    for (const [index, origin] of [replicaA, replicaB].entries()) {
      const sent = await patch(
        origin,
        path,
        index * chunk,
        bytes.subarray(index * chunk, (index + 1) * chunk),
      );
      expect(sent.status).toBe(204);
    }
    expect(await offsetOn(replicaA, path)).toBe(2 * chunk);

    // The third chunk, on replica A, hangs before its first byte: A holds the upload's lock.
    const at = 2 * chunk;
    const half = chunk / 2;
    const locks = await new Kvm(gw.env.nc).open(streamNames(gw.env.prefix).uploadLocks);
    const asks = gw.env.nc.subscribe(`${gw.env.prefix}.upload-locks.${key}`, { max: 1 });
    const stalled = stalledPatch(replicaA, path, at, chunk);
    try {
      await expect.poll(async () => (await locks.get(key))?.operation).toBe("PUT");

      // The client retries the same chunk on replica B, which asks A to let go and waits; meanwhile
      // A's request gets half its chunk through. Once A has let go, B finds the offset moved under it
      // and is refused without touching the file.
      const retried = patch(replicaB, path, at, bytes.subarray(at, at + chunk));
      for await (const _ask of asks) break;
      stalled.request.write(bytes.subarray(at, at + half));
      await expect.poll(async () => (await stat(join(directory, key))).size).toBe(at + half);
      const refused = await retried;
      expect(refused.status).toBe(409);
      const refusal = (await refused.json()) as ErrorResponse;
      expect(refusal).toMatchObject({ code: "conflict", requestId: refused.headers.get("x-request-id") });
      expect(refusal.message).toMatch(/offset/i);
    } finally {
      stalled.request.destroy();
      await stalled.response.catch(() => undefined);
    }

    // The client asks where the upload stands, and sends the rest from there, alternating.
    let offset = await offsetOn(replicaB, path);
    expect(offset).toBe(at + half);
    let sha256: string | null = null;
    for (let turn = 0; offset < bytes.length; turn++) {
      const next = Math.min(bytes.length, offset + chunk);
      const sent = await patch(turn % 2 ? replicaB : replicaA, path, offset, bytes.subarray(offset, next));
      expect(sent.status).toBe(204);
      offset = Number(sent.headers.get("upload-offset"));
      sha256 = sent.headers.get("artifact-sha256") ?? sha256;
    }
    const expected = createHash("sha256").update(bytes).digest("hex");
    expect(sha256).toBe(expected);
    const release = (await gw.admin.get(`/api/releases/${draft.id}`)).json<ProductRelease>();
    expect(release.artifacts).toMatchObject([{ storageKey: key, size: bytes.length, sha256: expected }]);
  });
});

/** A PATCH of `length` bytes at `at` whose body the test writes, and never ends. */
function stalledPatch(origin: string, path: string, at: number, length: number) {
  const request = httpRequest(`${origin}${path}`, {
    method: "PATCH",
    headers: {
      ...tusHeaders(),
      "upload-offset": String(at),
      "content-type": "application/offset+octet-stream",
      "content-length": String(length),
    },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.on("response", resolve);
    request.on("error", reject);
  });
  request.flushHeaders();
  return { request, response };
}
