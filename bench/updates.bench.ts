// The Update server (issue 18), against distribution started as its own process as in production
// (with a catalog and an issuer):
//   - release file download through GET /v1/updates/artifacts/:id (license check, entitlement, the
//     artifact store, streaming), 1 and 16 downloads at once, beside a plain Node static file server
//     (its own process) serving the same file in the same run (goal ≥ 0.8× its throughput);
//   - update checks/s (POST /v1/updates/check) at 50 connections beside GET /v1/license in the same run.
//
//   npm run bench updates          BENCH_ARTIFACT_MB=1024 BENCH_SECONDS=10 npm run bench updates
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FileArtifactStore } from "@licensing/artifacts";
import { issuer, releases } from "@licensing/contracts";
import {
  benchEnv,
  cannon,
  cannonConnections,
  cannonSeconds,
  fixed,
  freePort,
  startLicensing,
} from "./support.ts";

const megabytes = Number(process.env.BENCH_ARTIFACT_MB ?? 1024);
const size = megabytes * 1024 * 1024;

/** Downloads `url` `parallel` times at once, each read to its end; the total MB/s. */
async function downloads(
  url: string,
  parallel: number,
  headers: Record<string, string> = {},
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      const response = await fetch(url, { headers });
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
      let received = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
        received += chunk.length;
      if (received !== size) throw new Error(`${received} bytes of ${size}`);
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  return (parallel * size) / (1024 * 1024) / elapsed;
}

const env = await benchEnv();
const artifactDir = await mkdtemp(join(tmpdir(), "bench-artifacts-"));
let staticServer: ChildProcess | undefined;
try {
  const staticPort = await freePort();
  const licensing = await startLicensing(env, {
    distribution: { DATABASE_POOL_SIZE: "20", ARTIFACT_DIR: artifactDir },
  });
  const { base, bus, account } = licensing;

  // The file: random bytes, stored as an upload would leave it, and the same bytes for the baseline.
  const store = await FileArtifactStore.open(artifactDir);
  const hash = createHash("sha256");
  const chunk = randomBytes(1024 * 1024);
  const plainPath = join(artifactDir, "plain.bin");
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < megabytes; i++) {
          hash.update(chunk);
          yield chunk;
        }
      })(),
    ),
    createWriteStream(plainPath),
  );
  const { createReadStream } = await import("node:fs");
  const storageKey = await store.put(createReadStream(plainPath), size);
  const sha256 = hash.digest("hex");

  staticServer = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { createServer } from "node:http";
       import { createReadStream } from "node:fs";
       createServer((req, res) => {
         res.writeHead(200, { "content-type": "application/octet-stream", "content-length": ${size} });
         createReadStream(${JSON.stringify(plainPath)}).pipe(res);
       }).listen(${staticPort}, "127.0.0.1");`,
    ],
    { stdio: "inherit" },
  );

  const as = licensing.as("req_bench_updates");
  const [license] = (
    await bus.request(issuer.createLicense, { accountId: account.id, products: ["collector"] }, as)
  ).licenses;
  const key = license!.licenseKey;
  const draft = await bus.request(releases.createRelease, { product: "collector", version: "2.0.0" }, as);
  const release = await bus.request(
    releases.addArtifact,
    {
      releaseId: draft.id,
      platform: "linux",
      arch: "x64",
      fileType: "bin",
      fileName: "collector-2.0.0.bin",
      size,
      sha256,
      storageKey,
    },
    as,
  );
  await bus.request(releases.publishRelease, { id: draft.id }, as);
  const auth = { authorization: `License ${key}` };
  const url = `${base}/v1/updates/artifacts/${release.artifacts[0]!.id}`;
  const checkBody = JSON.stringify({
    product: "collector",
    currentVersion: "1.0.0",
    platform: "linux",
    arch: "x64",
  });
  for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 200))) {
    const answer = await fetch(`${base}/v1/updates/check`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: checkBody,
    }).catch(() => undefined);
    ready = answer?.status === 200 && ((await answer.json()) as { update: boolean }).update;
  }

  const staticUrl = `http://127.0.0.1:${staticPort}/file`;
  await downloads(staticUrl, 1);
  await downloads(url, 1, auth);
  const rows = [];
  for (const parallel of [1, 16]) {
    const plain = await downloads(staticUrl, parallel);
    const served = await downloads(url, parallel, auth);
    rows.push({
      downloads: String(parallel),
      "static MB/s": fixed(plain, 0),
      "distribution MB/s": fixed(served, 0),
      ratio: `${fixed(served / plain, 2)}×`,
      goal: "≥ 0.8×",
    });
  }
  console.log(`\nA ${megabytes} MB release file, read to its end by each download`);
  console.table(rows);

  await cannon({ url: `${base}/v1/license`, headers: auth, duration: 2 });
  const license2 = await cannon({ url: `${base}/v1/license`, headers: auth });
  const checks = await cannon({
    url: `${base}/v1/updates/check`,
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: checkBody,
  });
  console.log(`\nAt ${cannonConnections} connections, ${cannonSeconds} s each`);
  console.table([
    {
      route: "GET /v1/license",
      "req/s": fixed(license2.perSecond, 0),
      "p99 ms": fixed(license2.p99, 1),
      "non-2xx/errors": String(license2.non2xx + license2.errors),
    },
    {
      route: "POST /v1/updates/check",
      "req/s": fixed(checks.perSecond, 0),
      "p99 ms": fixed(checks.p99, 1),
      "non-2xx/errors": String(checks.non2xx + checks.errors),
    },
  ]);
  console.log(`update check ÷ license download: ${fixed(checks.perSecond / license2.perSecond, 2)}×`);
} finally {
  staticServer?.kill();
  await env.stop();
  await rm(artifactDir, { recursive: true, force: true });
}
