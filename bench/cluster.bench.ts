// Cluster (issue 15): the same workload on two topologies in the same run, every service its own
// process as in production:
//   - single: one NATS node, one replica of catalog, issuer and distribution;
//   - cluster: three clustered nats-server processes (streams at R3), two replicas of each, the
//     HTTP load spread over both distribution replicas as a load balancer would.
// Rates of issuance (over the bus, 16 callers), license download, activation and usage (HTTP,
// autocannon at 50 connections); then p99 of issuance and downloads while a NATS node is lost (the
// cluster only: for a single node that is an outage) and during a rolling restart of the issuer and
// distribution replicas (SIGTERM, drained, one at a time).
//
//   npm run bench cluster          BENCH_SECONDS=5 npm run bench cluster
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { BusClient, setActorKeys } from "@licensing/bus";
import { type Actor, catalog, issuer } from "@licensing/contracts";
import {
  databaseUrlFor,
  dropDatabase,
  ensureDatabase,
  resolveLocalInfra,
} from "@licensing/deploy/local-infra";
import {
  Balancer,
  type NatsCluster,
  type ServiceProcess,
  startNatsCluster,
  startServiceProcess,
  testActorKeys,
} from "@licensing/testing";
import { connect } from "@nats-io/transport-node";
import autocannon from "autocannon";
import { fixed, percentile } from "./support.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const actor: Actor = { id: "usr_bench", username: "bench", roles: ["superadmin"] };
const kek = randomBytes(32).toString("base64");

interface Rate {
  perSecond: number;
  p50: number;
  /** Of every call, those that failed included (at the time they failed). */
  p99: number;
  errors: number;
  /** The most frequent failure, if any. */
  firstError?: string;
}

interface Figures {
  issuance: Rate;
  download: Rate;
  activation: Rate;
  usage: Rate;
  nodeLoss?: { issuance: Rate; download: Rate };
  rolling: { issuance: Rate; download: Rate };
}

/** Runs `task` from `concurrency` callers until `stop()` says so; its rate, latencies and failures. */
async function callers(
  concurrency: number,
  task: () => Promise<unknown>,
  stop: () => boolean,
): Promise<Rate> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop()) {
        const t = performance.now();
        try {
          await task();
          done++;
        } catch (error) {
          const message = String(error).slice(0, 100);
          failures.set(message, (failures.get(message) ?? 0) + 1);
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  const [firstError] = [...failures.entries()].sort((a, b) => b[1] - a[1]);
  return {
    perSecond: done / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: latencies.length - done,
    ...(firstError ? { firstError: `${firstError[1]}× ${firstError[0]}` } : {}),
  };
}

const forMs = (ms: number) => {
  const until = Date.now() + ms;
  return () => Date.now() >= until;
};

/** autocannon on every replica at once, the connections split between them. */
async function cannon(urls: string[], path: string, options: Omit<autocannon.Options, "url">): Promise<Rate> {
  const runs = await Promise.all(
    urls.map((url) =>
      autocannon({
        ...options,
        url: `${url}${path}`,
        connections: Math.floor(50 / urls.length),
        duration: seconds,
      }),
    ),
  );
  return {
    perSecond: runs.reduce((sum, run) => sum + run.requests.average, 0),
    p50: Math.max(...runs.map((run) => run.latency.p50)),
    p99: Math.max(...runs.map((run) => run.latency.p99)),
    errors: runs.reduce((sum, run) => sum + run.errors + run.timeouts + run.non2xx, 0),
  };
}

async function measure(
  topology: "single" | "cluster",
  adminUrl: string,
  sharedNats: string,
): Promise<Figures> {
  const replicas = topology === "cluster" ? 2 : 1;
  const cluster: NatsCluster | undefined = topology === "cluster" ? await startNatsCluster(3) : undefined;
  const natsUrl = cluster?.url ?? sharedNats;
  const suffix = randomBytes(4).toString("hex");
  const database = `bench_${suffix}`;
  await ensureDatabase(adminUrl, database);
  const prefix = `b${suffix}`;
  const common = {
    DATABASE_URL: databaseUrlFor(adminUrl, database),
    NATS_URL: natsUrl,
    NATS_STREAM_REPLICAS: cluster ? "3" : "1",
    SUBJECT_PREFIX: prefix,
    LOG_LEVEL: "error",
    SHUTDOWN_GRACE_SECONDS: "10",
  };
  const distributionEnv = {
    DISTRIBUTION_PORT: "0",
    DISTRIBUTION_HOST: "127.0.0.1",
    DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "1000000000",
    DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "1000000000",
    SHUTDOWN_DELAY_SECONDS: "0.5",
  };
  const processes: ServiceProcess[] = [];
  const start = async (name: string, extra: Record<string, string> = {}) => {
    const started = await startServiceProcess(`services/${name}/src/main.ts`, { ...common, ...extra });
    processes.push(started);
    return started;
  };
  const nc = await connect({ servers: natsUrl.split(",") });
  setActorKeys(nc, testActorKeys("test"));
  const balancer = new Balancer();
  try {
    const issuers: ServiceProcess[] = [];
    const distributions: ServiceProcess[] = [];
    for (let i = 0; i < replicas; i++) {
      await start("catalog");
      issuers.push(await start("issuer", { ISSUER_KEK: kek }));
      const replica = await start("distribution", distributionEnv);
      distributions.push(replica);
      await balancer.add(replica.started.listening!);
    }
    const urls = () => distributions.map((d) => d.started.listening!);

    // A caller gives up on a request after 10 s (and would retry it with its idempotency key).
    const bus = new BusClient(nc, { prefix, timeoutMs: 10_000 });
    const as = { ctx: { requestId: "req_bench", actor } };
    await bus.request(catalog.createProduct, { code: "collector", name: "Collector" }, as);
    const account = await bus.request(catalog.createAccount, { type: "customer", name: "Bench Corp" }, as);
    const create = (count: number) =>
      bus.request(
        issuer.createLicense,
        {
          accountId: account.id,
          products: ["collector"],
          count,
          availableActivations: -1,
          accumulatedUnits: -1,
          unitsPerExecution: -1,
        },
        as,
      );
    const keys = [...(await create(100)).licenses, ...(await create(100)).licenses].map((l) => l.licenseKey);
    for (const key of [keys[0]!, keys.at(-1)!]) {
      for (let tries = 0; ; tries++) {
        const response = await balancer.fetch("http://balancer/v1/license", {
          headers: { authorization: `License ${key}` },
        });
        await response.body?.cancel();
        if (response.ok) break;
        if (tries > 300) throw new Error("licenses never reached distribution");
        await sleep(100);
      }
    }
    const downloadHeaders = { authorization: `License ${keys[0]!}` };
    const download = () =>
      balancer.fetch("http://balancer/v1/license", { headers: downloadHeaders }).then(async (response) => {
        await response.body?.cancel();
        if (!response.ok) throw new Error(String(response.status));
      });

    // Warm-up, then the steady rates.
    await callers(16, () => create(1), forMs(2_000));
    const issuance = await callers(16, () => create(1), forMs(seconds * 1_000));
    const downloadRate = await cannon(urls(), "/v1/license", { headers: downloadHeaders });
    let n = 0;
    const nextKey = () => keys[n++ % keys.length]!;
    const post = (path: string, body: () => object) => ({
      method: "POST" as const,
      path,
      setupRequest: (request: autocannon.Request) => ({
        ...request,
        headers: { "content-type": "application/json", authorization: `License ${nextKey()}` },
        body: JSON.stringify(body()),
      }),
    });
    const activation = await cannon(urls(), "", {
      requests: [
        post("/v1/machines", () => ({ fingerprint: `bench-${n}-${Math.random()}`, hostname: "bench" })),
      ],
    });
    const usage = await cannon(urls(), "", {
      requests: [post("/v1/usage", () => ({ units: 1, idempotencyKey: `bench-${n}-${Math.random()}` }))],
    });

    // Under load: issuance and downloads while something goes away.
    const underLoad = async (event: () => Promise<void>) => {
      let done = false;
      const stop = () => done;
      const measured = Promise.all([callers(16, () => create(1), stop), callers(16, download, stop)]);
      await sleep(1_000);
      await event();
      await sleep(1_000);
      done = true;
      const [issued, downloaded] = await measured;
      return { issuance: issued, download: downloaded };
    };
    const nodeLoss = cluster
      ? await underLoad(async () => {
          await cluster.kill(1);
          await sleep(seconds * 500);
          await cluster.restart(1);
        })
      : undefined;
    const rolling = await underLoad(async () => {
      for (const [name, list, extra] of [
        ["issuer", issuers, { ISSUER_KEK: kek }],
        ["distribution", distributions, distributionEnv],
      ] as const) {
        for (let i = 0; i < list.length; i++) {
          const fresh = await start(name, extra);
          if (fresh.started.listening) await balancer.add(fresh.started.listening);
          const old = list[i]!;
          await old.stop("SIGTERM", 20_000);
          if (old.started.listening) balancer.remove(old.started.listening);
          list[i] = fresh;
        }
      }
    });
    return {
      issuance,
      download: downloadRate,
      activation,
      usage,
      ...(nodeLoss ? { nodeLoss } : {}),
      rolling,
    };
  } finally {
    balancer.stop();
    await Promise.all(processes.map((p) => p.stop("SIGTERM", 20_000)));
    await nc.close();
    await cluster?.stop();
    await dropDatabase(adminUrl, database);
  }
}

const infra = await resolveLocalInfra({
  dataDir: `${import.meta.dirname}/../.data/bench`,
  tryContainers: false,
});
try {
  const single = await measure("single", infra.databaseUrl, infra.natsUrl);
  const clustered = await measure("cluster", infra.databaseUrl, infra.natsUrl);
  const row = (what: string, one: Rate | undefined, three: Rate | undefined) => ({
    "": what,
    "single /s": one ? fixed(one.perSecond, 0) : "—",
    "single p99 ms": one ? fixed(one.p99, 1) : "—",
    "cluster /s": three ? fixed(three.perSecond, 0) : "—",
    "cluster p99 ms": three ? fixed(three.p99, 1) : "—",
    "cluster ÷ single": one && three ? `${fixed(three.perSecond / one.perSecond, 2)}×` : "—",
    "errors (single / cluster)": `${one?.errors ?? "—"} / ${three?.errors ?? "—"}`,
  });
  console.log(
    `\nOne NATS node and one replica per service vs three clustered nodes (R3) and two replicas, ${seconds} s each`,
  );
  console.table([
    row("issuance (bus, 16 callers)", single.issuance, clustered.issuance),
    row("GET /v1/license", single.download, clustered.download),
    row("POST /v1/machines", single.activation, clustered.activation),
    row("POST /v1/usage", single.usage, clustered.usage),
    row("issuance while a NATS node is lost", single.nodeLoss?.issuance, clustered.nodeLoss?.issuance),
    row("download while a NATS node is lost", single.nodeLoss?.download, clustered.nodeLoss?.download),
    row("issuance in a rolling restart", single.rolling.issuance, clustered.rolling.issuance),
    row("download in a rolling restart", single.rolling.download, clustered.rolling.download),
  ]);
  for (const [name, figures] of [
    ["single", single],
    ["cluster", clustered],
  ] as const) {
    for (const [what, rate] of Object.entries({
      "issuance while a NATS node is lost": figures.nodeLoss?.issuance,
      "download while a NATS node is lost": figures.nodeLoss?.download,
      "issuance in a rolling restart": figures.rolling.issuance,
      "download in a rolling restart": figures.rolling.download,
    }))
      if (rate?.firstError)
        console.log(`${name}, ${what}: ${rate.errors} failed, most often ${rate.firstError}`);
  }
} finally {
  await infra.stop();
}
