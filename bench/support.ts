// What the service benchmarks share: the same PostgreSQL and NATS as `npm start` (environment,
// localhost, else embedded), a throwaway database and subject prefix, services started as their
// own processes exactly as in production, free ports, waiting for an HTTP server, autocannon runs, and
// percentile arithmetic.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BusClient, setActorKeys } from "@licensing/bus";
import { type Account, type Actor, catalog } from "@licensing/contracts";
import {
  databaseUrlFor,
  dropDatabase,
  ensureDatabase,
  type LocalInfra,
  resolveLocalInfra,
} from "@licensing/deploy/local-infra";
import { deletePrefixStreams, testActorEnv, testActorKeys } from "@licensing/testing";
import { Svcm } from "@nats-io/services";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import autocannon from "autocannon";
import pg from "pg";

// The test harness's: the benchmarks start servers on free ports as the tests do.
export { freePort } from "@licensing/testing";

import { freePort } from "@licensing/testing";

const root = resolve(import.meta.dirname, "..");

export interface BenchEnv {
  infra: LocalInfra;
  databaseUrl: string;
  prefix: string;
  nc: NatsConnection;
  /** Starts a service (`services/<name>/src/main.ts`) as its own process and waits until it answers. */
  startService(name: string, env?: Record<string, string>): Promise<ChildProcess>;
  stop(): Promise<void>;
}

export async function benchEnv(): Promise<BenchEnv> {
  const infra = await resolveLocalInfra({ dataDir: resolve(root, ".data/bench"), tryContainers: false });
  const suffix = randomBytes(4).toString("hex");
  const database = `bench_${suffix}`;
  await ensureDatabase(infra.databaseUrl, database);
  const databaseUrl = databaseUrlFor(infra.databaseUrl, database);
  const prefix = `b${suffix}`;
  // The benchmark calls services as the gateway does: without a stack trace captured per request in
  // case it fails (as connectNats), and with signed actor assertions.
  const nc = await connect({ servers: infra.natsUrl, noAsyncTraces: true });
  setActorKeys(nc, testActorKeys("test"));
  const children: ChildProcess[] = [];
  return {
    infra,
    databaseUrl,
    prefix,
    nc,
    async startService(name, extra = {}) {
      const child = spawn(
        process.execPath,
        [...profileFlags(name), resolve(root, `services/${name}/src/main.ts`)],
        {
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            NATS_URL: infra.natsUrl,
            SUBJECT_PREFIX: prefix,
            LOG_LEVEL: "warn",
            ...testActorEnv(name),
            ...extra,
          },
          stdio: ["ignore", "inherit", "inherit"],
        },
      );
      children.push(child);
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          for await (const ping of await new Svcm(nc)
            .client({ strategy: "timer", maxWait: 300 })
            .ping(name)) {
            if (ping.metadata?.prefix === prefix) return child;
          }
        } catch {
          // not up yet
        }
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      await Promise.all(children.map((child) => stopChild(child)));
      // The events, license files and object stores the run wrote, often gigabytes in the shared NATS.
      await deletePrefixStreams(nc, prefix);
      await nc.close();
      // BENCH_KEEP_DATABASE=1 leaves the bench database for a look afterwards (EXPLAIN, sizes).
      if (process.env.BENCH_KEEP_DATABASE) console.log(`kept database ${database}`);
      else await dropDatabase(infra.databaseUrl, database);
      await infra.stop();
    },
  };
}

/** Who the benchmarks act as on the bus, as the gateway signs for an operator. */
export const benchActor: Actor = { id: "usr_bench", username: "bench", roles: ["superadmin"] };

/** What startLicensing brings up: distribution's base URL, the bus, the account to license. */
export interface Licensing {
  base: string;
  /** The distribution service's process id (to read its CPU time). */
  distributionPid: number;
  bus: BusClient;
  account: Account;
  /** The bus call options of an operator's request. */
  as(requestId: string): { ctx: { requestId: string; actor: Actor } };
}

/**
 * Catalog, issuer and distribution (HTTP on a free port, its rate limits on, as in production, but
 * too high to refuse anything a benchmark sends), each its own process; a `collector` product and a
 * customer account. `distribution` adds to (or overrides) the distribution service's environment.
 */
export async function startLicensing(
  env: BenchEnv,
  options: { distribution?: Record<string, string>; accountName?: string } = {},
): Promise<Licensing> {
  const port = await freePort();
  await env.startService("catalog");
  await env.startService("issuer", { ISSUER_KEK: Buffer.alloc(32, 7).toString("base64") });
  const distribution = await env.startService("distribution", {
    DISTRIBUTION_PORT: String(port),
    DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "1000000000",
    DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "1000000000",
    ...options.distribution,
  });
  const bus = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 60_000 });
  await bus.request(catalog.createProduct, { code: "collector", name: "Collector" });
  const account = await bus.request(catalog.createAccount, {
    type: "customer",
    name: options.accountName ?? "Bench Corp",
  });
  return {
    base: `http://127.0.0.1:${port}`,
    distributionPid: distribution.pid!,
    bus,
    account,
    as: (requestId) => ({ ctx: { requestId, actor: benchActor } }),
  };
}

/** The p-th percentile (0–100) of `values` in milliseconds. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `task` `total` times, `concurrency` at a time; returns the rate and each call's latency. */
export async function load(total: number, concurrency: number, task: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: total / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

/**
 * Starts `task` `total` times at a steady `perSecond`, whether or not earlier calls have returned: an
 * open loop, as independent callers arrive. Each latency counts from when its call was due, so a
 * stall delays the calls queued behind it too (no coordinated omission). The first `warmUp` calls
 * come first on the same beat and are not measured: the load is steady by the time it counts.
 */
export async function paced(
  total: number,
  perSecond: number,
  task: (i: number) => Promise<unknown>,
  warmUp = 0,
) {
  const latencies: number[] = [];
  const calls: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < warmUp + total; i++) {
    const due = started + (i * 1_000) / perSecond;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const call = task(i);
    calls.push(
      i < warmUp ? call.then(() => {}) : call.then(() => void latencies.push(performance.now() - due)),
    );
  }
  await Promise.all(calls);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), latencies };
}

/** Processes whose CPU time `cpuTime` adds up, by name: their pids, looked up at each reading. */
export type CpuGroups = Record<string, () => Promise<number[]> | number[]>;

/**
 * Runs `task` and returns, per group, the CPU seconds (user + system, from `/proc/<pid>/stat`) its
 * processes spent meanwhile. A process that exits during the run loses its share; one that starts
 * during it counts whole.
 */
export async function cpuTime<T>(groups: CpuGroups, task: () => Promise<T>) {
  const read = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(groups).map(
          async ([name, pids]) =>
            [name, new Map((await pids()).map((pid) => [pid, processCpuSeconds(pid)]))] as const,
        ),
      ),
    );
  const before = await read();
  const result = await task();
  const after = await read();
  const seconds: Record<string, number> = {};
  for (const [name, pids] of Object.entries(after)) {
    seconds[name] = 0;
    for (const [pid, cpu] of pids) seconds[name] += cpu - (before[name]?.get(pid) ?? 0);
  }
  return { result, seconds };
}

/** The pids of every running process whose command name is `comm` (e.g. `nats-server`). */
export function pidsNamed(comm: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === comm;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The pids of PostgreSQL's processes serving `pool`'s database, and its shared ones (WAL writer, checkpointer…). */
export async function postgresPids(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    "select pid from pg_stat_activity where datname = current_database() or datname is null",
  );
  return rows.map((row) => row.pid);
}

/** CPU seconds `pid` has used so far; 0 once it is gone. Linux reports them in ticks of 1/100 s. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

/** Waits (60 s at most) until `url` answers with a status `ok` accepts (200). */
export async function waitFor(
  url: string,
  init: RequestInit = {},
  ok: (status: number) => boolean = (status) => status === 200,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if (ok((await fetch(url, init)).status)) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** How long each autocannon run lasts unless told otherwise: `BENCH_SECONDS`, 10 s by default. */
export const cannonSeconds = Number(process.env.BENCH_SECONDS ?? 10);
/** How many connections each autocannon run holds unless told otherwise. */
export const cannonConnections = 50;

/** What one autocannon run measured; `errors` counts the timeouts too (autocannon's own sum). */
export interface CannonRun {
  perSecond: number;
  /** Requests answered in all. */
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** One autocannon run, at `cannonConnections` for `cannonSeconds` unless `options` say otherwise. */
export async function cannon(options: autocannon.Options): Promise<CannonRun> {
  const result = await autocannon({ connections: cannonConnections, duration: cannonSeconds, ...options });
  return {
    perSecond: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/**
 * Stops a service process (SIGTERM) and waits until it has exited; SIGKILL after `graceMs`, so a
 * benchmark never hangs at its end with its database left behind (a usage-scale run was seen to).
 */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  // Gone already: exited (exitCode) or ended by a signal (signalCode; its exitCode stays null).
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => {
      console.error(`process ${child.pid} did not exit ${graceMs / 1000} s after SIGTERM: killed`);
      child.kill("SIGKILL");
    }, graceMs);
    child.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Inserts `count` licenses straight into the issuer's table (its roll-up triggers still run): spread
 * over 20,000 accounts (every 7th the given one), three products, both kinds, 1,400 days of end dates,
 * a few revoked and suspended. For benchmarks of reads at scale.
 */
export async function seedLicenses(databaseUrl: string, accountId: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = performance.now();
  const chunk = 100_000;
  for (let from = 0; from < count; from += chunk) {
    await client.query(
      `insert into issuer.licenses (id, key_hash, key_hint, key_enc, account_id, account_name, kind, internal, license_type,
         products, product_names, units_type, accumulated_units, units_per_execution, start_date, end_date,
         available_activations, fingerprint, execution_modes, custom_features, notify_days, seats, metadata,
         friendly_restrictions, owner_company, owner_name, owner_email, encrypted, state, state_reason, serial, key_id,
         signed_at, date_issued, created_by, created_by_name, batch_id, preset_id, version, created_at, updated_at)
       select 'lic_seed' || lpad(i::text, 18, '0'), md5(i::text) || md5((i + 1)::text), upper(substr(md5(i::text), 1, 5)),
         '\\x00'::bytea, case when i % 7 = 0 then $1 else 'acc_seed' || (i % 20000) end,
         (array['Acme','Globex','Initech','Umbrella','Hooli','Vandelay','Soylent','Tyrell'])[1 + i % 8] || ' ' || (i % 20000),
         case when i % 3 = 0 then 'test' else 'commercial' end, i % 20 = 0, 'subscription',
         array[(array['collector','cockpit','studio'])[1 + (i / 7) % 3]], array['Product'], 'lines', -1, -1,
         now() - interval '800 days' + (i % 800) * interval '1 day',
         case when i % 50 = 0 then null else now() - interval '700 days' + (i % 1400) * interval '1 day' + (i % 86400) * interval '1 second' end,
         1, null, '{}', '{}', case when i % 4 = 0 then 60 else null end, 0, '{}', '[]', 'Seed', null, null, false,
         case when i % 53 = 0 then 'revoked' when i % 71 = 0 then 'suspended' else 'active' end, null, 1, 'kseed',
         now(), now(), 'usr_seed', 'seed', null, null, 1,
         now() - interval '730 days' + (i % 730) * interval '1 day', now()
       from generate_series($2::int, $3::int) as i`,
      [accountId, from, Math.min(from + chunk, count) - 1],
    );
  }
  await client.query("select issuer.stats_compact()");
  // As autovacuum would have by then: fresh statistics and no dead rows.
  for (const table of [
    "licenses",
    "stats_by_end",
    "stats_by_product",
    "stats_by_created",
    "stats_by_account",
  ]) {
    await client.query(`vacuum analyze issuer.${table}`);
  }
  await client.end();
  console.log(
    `\nSeeded ${count.toLocaleString("en")} licenses in ${fixed((performance.now() - started) / 1000)} s`,
  );
}

/**
 * BENCH_PROFILE_DIR=<dir>: a process started with these flags writes a CPU profile there, named
 * after it, when it stops (`node --cpu-prof`).
 */
export function profileFlags(name: string): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${resolve(dir)}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}
