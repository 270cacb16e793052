// What the service benchmarks share: the same PostgreSQL and NATS as `npm start` (environment,
// localhost, else embedded), a throwaway database and subject prefix, services started as their
// own processes exactly as in production, and percentile arithmetic.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import {
  databaseUrlFor,
  dropDatabase,
  ensureDatabase,
  type LocalInfra,
  resolveLocalInfra,
} from "@licensing/deploy/local-infra";
import { Svcm } from "@nats-io/services";
import { connect, type NatsConnection } from "@nats-io/transport-node";

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
  const nc = await connect({ servers: infra.natsUrl });
  const children: ChildProcess[] = [];
  return {
    infra,
    databaseUrl,
    prefix,
    nc,
    async startService(name, extra = {}) {
      const child = spawn(process.execPath, [resolve(root, `services/${name}/src/main.ts`)], {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          NATS_URL: infra.natsUrl,
          SUBJECT_PREFIX: prefix,
          LOG_LEVEL: "warn",
          ...extra,
        },
        stdio: ["ignore", "inherit", "inherit"],
      });
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
      await Promise.all(children.map(stopChild));
      await nc.close();
      await dropDatabase(infra.databaseUrl, database);
      await infra.stop();
    },
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

export const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once("exit", () => done());
    child.kill("SIGTERM");
  });
}
