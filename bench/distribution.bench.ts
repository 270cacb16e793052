// Distribution: the public HTTP API under load, against the service started as its own process as in
// production (with a catalog and an issuer), driven by autocannon at 50 connections:
//   - license download by key beside a Fastify hello-world route (its own process) in the same run
//     (issue 20: ≥ 0.7× its rate, p99 ≤ 5 ms), and beside the same process answering the download's
//     exact bytes from memory (what the payload alone costs);
//   - activations/s and usage reports/s beside a one-row-commit route (its own process: Fastify and
//     a pool of 20 on the same database, one INSERT committed per request, the physical limit of a
//     route that must commit once) (issue 20: ≥ 0.5× its rate, p99 ≤ 20 ms); each also beside a
//     route of the same process committing the rows it must write, in one statement: for an
//     activation a row that references its license and the seat counted on that license, for a
//     usage report its idempotency key, its row and the license's balance (the fair baselines for
//     writes of two and three rows; docs/benchmarks.md);
// then, in this process, the client's offline verification of a license file against raw native
// Ed25519 verification of the same file (target ≥ 0.8×).
//
//   npm run bench distribution          BENCH_SECONDS=5 npm run bench distribution
import { type ChildProcess, spawn } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { resolve } from "node:path";
import { LicenseManager, MemoryStorage } from "@licensing/client";
import { issuer } from "@licensing/contracts";
import { signedMessage } from "@licensing/model";
import pg from "pg";
import {
  benchEnv,
  type CannonRun,
  cannon,
  cannonConnections,
  cannonSeconds,
  cpuTime,
  fixed,
  freePort,
  postgresPids,
  startLicensing,
  waitFor,
} from "./support.ts";

const root = resolve(import.meta.dirname, "..");

const env = await benchEnv();
let hello: ChildProcess | undefined;
let oneRow: ChildProcess | undefined;
// Reads which PostgreSQL processes serve the bench's database, to count their CPU per request.
const postgres = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
try {
  const helloPort = await freePort();
  const oneRowPort = await freePort();
  // The rate limits are on, as in production (their bookkeeping runs for every request, shared with
  // other replicas), but too high to refuse anything the benchmark sends.
  const { base, distributionPid, bus, account, as } = await startLicensing(env, {
    distribution: { DATABASE_POOL_SIZE: "20" },
  });
  oneRow = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import Fastify from "fastify";
       import pg from "pg";
       const pool = new pg.Pool({ connectionString: ${JSON.stringify(env.databaseUrl)}, max: 20 });
       await pool.query("create table if not exists bench_one_row (id bigserial primary key, body jsonb not null, at timestamptz not null default now())");
       await pool.query("create table if not exists bench_seats (license text primary key, used integer not null)");
       await pool.query("insert into bench_seats select 'lic' || i, 0 from generate_series(0, 199) i on conflict do nothing");
       await pool.query("create table if not exists bench_seat_rows (id bigserial primary key, license text not null references bench_seats, body jsonb not null, at timestamptz not null default now())");
       await pool.query("create table if not exists bench_usage_keys (license text not null, key text not null, units integer not null, primary key (license, key))");
       await pool.query("create table if not exists bench_usage_rows (id bigserial primary key, license text not null references bench_seats, key text not null, units integer not null, at timestamptz not null default now())");
       const app = Fastify();
       app.post("/row", async (request) => {
         const { rows } = await pool.query("insert into bench_one_row (body) values ($1) returning id", [request.body]);
         return { id: rows[0].id };
       });
       app.post("/seat", async (request) => {
         const { rows } = await pool.query(
           "with seat as (insert into bench_seat_rows (license, body) values ($1, $2) returning license) " +
             "update bench_seats set used = used + 1 where license = (select license from seat) returning used",
           [request.body.license, request.body]);
         return { used: rows[0].used };
       });
       app.post("/usage-rows", async (request) => {
         const { rows } = await pool.query(
           "with k as (insert into bench_usage_keys (license, key, units) values ($1, $2, $3) returning license, key, units), " +
             "r as (insert into bench_usage_rows (license, key, units) select license, key, units from k returning license, units) " +
             "update bench_seats set used = used + r.units from r where bench_seats.license = r.license returning used",
           [request.body.license, request.body.idempotencyKey, request.body.units]);
         return { used: rows[0].used };
       });
       await app.listen({ port: ${oneRowPort}, host: "127.0.0.1" });`,
    ],
    { cwd: root, stdio: "inherit" },
  );
  await waitFor(`http://127.0.0.1:${oneRowPort}/row`, {}, (status) => status === 404);

  const licenses = [];
  for (let batch = 0; batch < 2; batch++) {
    const created = await bus.request(
      issuer.createLicense,
      {
        accountId: account.id,
        products: ["collector"],
        count: 100,
        availableActivations: -1,
        accumulatedUnits: -1,
        unitsPerExecution: -1,
      },
      as(`req_bench_${batch}`),
    );
    licenses.push(...created.licenses);
  }
  const keys = licenses.map((l) => l.licenseKey);
  for (const key of [keys[0]!, keys.at(-1)!])
    await waitFor(`${base}/v1/license`, { headers: { authorization: `License ${key}` } });
  const downloadKey = keys[0]!;
  // The hello-world process also answers the download's exact bytes from memory (`/same-bytes`):
  // the cost of the payload and its headers alone, without anything the service does per request.
  const downloadBody = await (
    await fetch(`${base}/v1/license`, { headers: { authorization: `License ${downloadKey}` } })
  ).text();
  hello = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import Fastify from "fastify";
       const app = Fastify();
       app.get("/hello", async () => ({ hello: "world" }));
       const body = Buffer.from(process.env.BENCH_BODY);
       app.get("/same-bytes", async (_request, reply) =>
         reply.header("ETag", '"same"').header("Cache-Control", "private, no-cache")
           .type("application/json; charset=utf-8").send(body));
       await app.listen({ port: ${helloPort}, host: "127.0.0.1" });`,
    ],
    { cwd: root, stdio: "inherit", env: { ...process.env, BENCH_BODY: downloadBody } },
  );
  await waitFor(`http://127.0.0.1:${helloPort}/hello`);

  // Warm-up, then the hello-world and the download, one after the other.
  await cannon({ url: `http://127.0.0.1:${helloPort}/hello`, duration: 2 });
  await cannon({ url: `http://127.0.0.1:${helloPort}/same-bytes`, duration: 2 });
  await cannon({
    url: `${base}/v1/license`,
    headers: { authorization: `License ${downloadKey}` },
    duration: 2,
  });
  // Each run also measures the CPU its server process spent per request (user + system, from /proc):
  // steadier than the rate on a shared machine, where the client competes for the same cores. So does
  // PostgreSQL's (the backends of the bench's database and its shared processes).
  const served = async (pid: number, options: Parameters<typeof cannon>[0]) => {
    const { result, seconds } = await cpuTime(
      { server: () => [pid], postgres: () => postgresPids(postgres) },
      () => cannon(options),
    );
    const perRequest = (s = 0) => (s * 1e6) / Math.max(1, result.total);
    return { ...result, cpuMicros: perRequest(seconds.server), postgresMicros: perRequest(seconds.postgres) };
  };
  const helloRun = await served(hello.pid!, { url: `http://127.0.0.1:${helloPort}/hello` });
  const sameBytesRun = await served(hello.pid!, { url: `http://127.0.0.1:${helloPort}/same-bytes` });
  const download = await served(distributionPid, {
    url: `${base}/v1/license`,
    headers: { authorization: `License ${downloadKey}` },
  });

  let n = 0;
  const nextKey = () => keys[n++ % keys.length]!;
  // POSTs of a JSON body made afresh for each request; `licensed`: under the next license key.
  const posted = (pid: number, url: string, path: string, body: () => object, licensed = false) =>
    served(pid, {
      url,
      requests: [
        {
          method: "POST",
          path,
          setupRequest: (request) => ({
            ...request,
            headers: {
              "content-type": "application/json",
              ...(licensed ? { authorization: `License ${nextKey()}` } : {}),
            },
            body: JSON.stringify(body()),
          }),
        },
      ],
    });
  const oneRowUrl = `http://127.0.0.1:${oneRowPort}`;
  const activations = await posted(
    distributionPid,
    base,
    "/v1/machines",
    () => ({ fingerprint: `bench-machine-${n}-${Math.random()}`, hostname: "bench", platform: "linux-x64" }),
    true,
  );
  const oneRowRun = await posted(oneRow.pid!, oneRowUrl, "/row", () => ({
    units: 1,
    idempotencyKey: `bench-row-${n++}-${Math.random()}`,
  }));
  const seatRun = await posted(oneRow.pid!, oneRowUrl, "/seat", () => ({
    license: `lic${n++ % 200}`,
    fingerprint: `bench-seat-${n}-${Math.random()}`,
  }));
  const usage = await posted(
    distributionPid,
    base,
    "/v1/usage",
    () => ({ units: 1, idempotencyKey: `bench-run-${n}-${Math.random()}` }),
    true,
  );
  const usageRowsRun = await posted(oneRow.pid!, oneRowUrl, "/usage-rows", () => ({
    license: `lic${n++ % 200}`,
    units: 1,
    idempotencyKey: `bench-usage-row-${n}-${Math.random()}`,
  }));

  const row = (
    name: string,
    run: CannonRun & { cpuMicros: number; postgresMicros: number },
    target: string,
  ) => ({
    route: name,
    "req/s": fixed(run.perSecond, 0),
    "server CPU µs/req": fixed(run.cpuMicros, 1),
    "PostgreSQL µs/req": fixed(run.postgresMicros, 0),
    "p50 ms": fixed(run.p50, 1),
    "p99 ms": fixed(run.p99, 1),
    "non-2xx": String(run.non2xx),
    errors: String(run.errors),
    target,
  });
  console.log(
    `\nHTTP at ${cannonConnections} connections, ${cannonSeconds} s each (service as its own process)`,
  );
  console.table([
    row("Fastify hello-world", helloRun, "(baseline)"),
    row("Fastify, the download's bytes", sameBytesRun, "(what the payload alone costs)"),
    row("GET /v1/license", download, "≥ 0.7× hello-world, p99 ≤ 5 ms"),
    row("one-row commit", oneRowRun, "(baseline)"),
    row("a row and its seat counted, one commit", seatRun, "(baseline for activations)"),
    row("POST /v1/machines", activations, "≥ 0.5× one-row, p99 ≤ 20 ms"),
    row("a key, a row and the balance, one commit", usageRowsRun, "(baseline for usage reports)"),
    row("POST /v1/usage", usage, "≥ 0.5× one-row, p99 ≤ 20 ms"),
  ]);
  console.log(
    `download ÷ hello-world: ${fixed(download.perSecond / helloRun.perSecond, 2)}× ` +
      `(÷ the same bytes: ${fixed(download.perSecond / sameBytesRun.perSecond, 2)}×); ` +
      `activations ÷ one-row: ${fixed(activations.perSecond / oneRowRun.perSecond, 2)}× ` +
      `(÷ a row and its seat: ${fixed(activations.perSecond / seatRun.perSecond, 2)}×); ` +
      `usage reports ÷ one-row: ${fixed(usage.perSecond / oneRowRun.perSecond, 2)}× ` +
      `(÷ a key, a row and the balance: ${fixed(usage.perSecond / usageRowsRun.perSecond, 2)}×)`,
  );

  // Offline verification: the client's whole check of a license file vs. one raw native verify.
  const published = (await (await fetch(`${base}/v1/keys`)).json()) as {
    keys: { keyId: string; publicKey: string }[];
  };
  const file = licenses[0]!.file;
  const manager = new LicenseManager({
    product: "collector",
    trustedKeys: published.keys,
    storage: new MemoryStorage(),
    fingerprint: "bench-machine",
  });
  await manager.load(file);
  const envelope = JSON.parse(
    Buffer.from(file.trim().split("\n").slice(1, -1).join(""), "base64").toString("utf8"),
  ) as { keyId: string; payload: string; signature: string };
  const message = signedMessage("license-file", Buffer.from(envelope.payload, "base64"));
  const signature = Buffer.from(envelope.signature, "base64");
  const rawKey = Buffer.from(published.keys.find((k) => k.keyId === envelope.keyId)!.publicKey, "base64");
  const keyObject = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), rawKey]),
    format: "der",
    type: "spki",
  });
  const timed = async (work: () => unknown | Promise<unknown>) => {
    for (let i = 0; i < 500; i++) await work();
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < 3_000) {
      for (let i = 0; i < 100; i++) await work();
      count += 100;
    }
    return count / ((performance.now() - started) / 1000);
  };
  const raw = await timed(() => verify(null, message, keyObject, signature));
  const client = await timed(async () => {
    await manager.load(file);
    await manager.validate();
  });
  const raw2 = await timed(() => verify(null, message, keyObject, signature));
  const baseline = (raw + raw2) / 2;
  console.log(`\nOffline verification of a ${file.length}-character license file (same run)`);
  console.table([
    { check: "raw native Ed25519 verify", "per s": fixed(baseline, 0), "µs each": fixed(1e6 / baseline, 1) },
    {
      check: "client: load + verify + validate",
      "per s": fixed(client, 0),
      "µs each": fixed(1e6 / client, 1),
    },
  ]);
  console.log(`client ÷ raw: ${fixed(client / baseline, 2)}× (target ≥ 0.80×)`);
} finally {
  await postgres.end();
  hello?.kill("SIGTERM");
  oneRow?.kill("SIGTERM");
  await env.stop();
}
