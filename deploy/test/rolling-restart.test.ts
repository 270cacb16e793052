// Rolling restarts under load (issue 15): two replicas of every service (catalog, issuer, notifier
// on the bus; distribution and the gateway over HTTP, each behind a balancer), each its own process
// on one database and subject prefix, restarted one at a time with SIGTERM while license creations
// and reads run over the bus, products download licenses and report usage, and an operator's
// session reads through the gateway. A drain must leave the clients nothing to see: no failure, no
// request lost in flight.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { LicenseManager, MemoryStorage, type TrustedKey } from "@licensing/client";
import { type Actor, AppError, catalog, distribution, issuer, notifier } from "@licensing/contracts";
import {
  Balancer,
  createTestEnv,
  type ServiceProcess,
  startServiceProcess,
  type TestEnv,
} from "@licensing/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const graceSeconds = 10;
const operator: Actor = { id: "usr_ops", username: "olga", roles: ["license-admin"] };
const as = { ctx: { requestId: "req_rolling", actor: operator } };

let env: TestEnv;
let common: Record<string, string>;
const running: ServiceProcess[] = [];

const start = async (entry: string, extra: Record<string, string> = {}) => {
  const service = await startServiceProcess(entry, { ...common, ...extra });
  running.push(service);
  return service;
};

beforeAll(async () => {
  env = await createTestEnv();
  common = {
    DATABASE_URL: env.databaseUrl,
    NATS_URL: env.natsUrl,
    SUBJECT_PREFIX: env.prefix,
    LOG_LEVEL: "warn",
    DATABASE_POOL_SIZE: "4",
    SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
  };
});

afterAll(async () => {
  await Promise.all(running.map((service) => service.stop("SIGKILL")));
  await env?.stop();
});

describe("a rolling restart of every replica under load", () => {
  it("fails no client request, creates each acknowledged license once, and each replica drains in time", async () => {
    const adminPassword = randomBytes(16).toString("hex");
    const http = { SHUTDOWN_DELAY_SECONDS: "0.5" }; // long enough for the balancer's 100 ms readiness polls
    const envs: Record<string, Record<string, string>> = {
      catalog: {},
      issuer: { ISSUER_KEK: randomBytes(32).toString("base64") },
      notifier: { NOTIFIER_KEK: randomBytes(32).toString("base64") },
      distribution: {
        ...http,
        DISTRIBUTION_PORT: "0",
        DISTRIBUTION_HOST: "127.0.0.1",
        DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "0",
        DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "0",
      },
      gateway: {
        ...http,
        GATEWAY_PORT: "0",
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_ADMIN_PASSWORD: adminPassword,
        GATEWAY_COOKIE_SECURE: "false",
      },
    };
    const balancer = new Balancer(); // products → distribution
    const operators = new Balancer(); // the UI's browsers → the gateway
    const balancers: Record<string, Balancer> = { distribution: balancer, gateway: operators };
    const replicas: Record<string, ServiceProcess[]> = {};
    const launch = async (name: string) => {
      const service = await start(`services/${name}/src/main.ts`, envs[name]);
      if (service.started.listening) await balancers[name]?.add(service.started.listening);
      return service;
    };
    const names = ["catalog", "issuer", "notifier", "distribution", "gateway"];
    // One replica of each first (each migrates its schema), then the second beside it.
    for (const name of names) replicas[name] = [await launch(name)];
    await Promise.all(names.map(async (name) => replicas[name]!.push(await launch(name))));

    // Fixtures: a product, an account, a license per product installation.
    await env.bus.request(catalog.createProduct, {
      code: "collector",
      name: "Collector",
      unitsTypes: [{ code: "lines", name: "Lines of code" }],
      defaults: { unitsType: "lines", durationDays: 365 },
    });
    const account = await env.bus.request(catalog.createAccount, { type: "customer", name: "Contoso" });
    const issue = async (idempotencyKey: string) => {
      const { licenses } = await env.bus.request(
        issuer.createLicense,
        { accountId: account.id, products: ["collector"], accumulatedUnits: 1_000_000, idempotencyKey },
        as,
      );
      return licenses[0]!;
    };
    const installed = [await issue("fixture-0001"), await issue("fixture-0002"), await issue("fixture-0003")];
    const trustedKeys = (
      (await (await balancer.fetch("http://balancer/v1/keys")).json()) as { keys: TrustedKey[] }
    ).keys;
    const products = installed.map(
      ({ licenseKey }, i) =>
        new LicenseManager({
          product: "collector",
          serverUrl: "http://balancer",
          licenseKey,
          trustedKeys,
          storage: new MemoryStorage(),
          fingerprint: `machine-${i}`,
          proxy: false,
          fetch: balancer.fetch,
        }),
    );
    // Until distribution has each license from the issuer's events.
    for (const product of products) {
      for (let tries = 0; ; tries++) {
        try {
          await product.fetchLicense();
          await product.activate();
          break;
        } catch (error) {
          if (tries > 100) throw error;
          await sleep(100);
        }
      }
    }

    // The workload, until the restarts are over.
    let working = true;
    const failures: string[] = [];
    const acknowledged = new Map<string, string>();
    let busRetries = 0;
    const creations = async (worker: number) => {
      for (let n = 0; working; n++) {
        const key = `rolling-${worker}-${n}`;
        for (;;) {
          try {
            acknowledged.set(key, (await issue(key)).license.id);
            break;
          } catch (error) {
            // What a caller retries with the same key: no one answered (yet), or did not in time.
            if (!(error instanceof AppError) || error.code !== "service_unavailable") {
              failures.push(`create ${key}: ${String(error)}`);
              break;
            }
            if (error.message.includes("did not answer")) failures.push(`create ${key} timed out`);
            busRetries++;
            await sleep(20);
          }
        }
      }
    };
    const reported = products.map(() => 0);
    const usage = async (i: number) => {
      const product = products[i]!;
      while (working) {
        try {
          await product.fetchLicense();
          const authorization = await product.authorizeExecution({ units: 1 });
          // Queued means its report did not get through: the client would send it later.
          if (authorization.queued) failures.push(`usage report of product ${i} queued`);
          else reported[i]! += 1;
        } catch (error) {
          failures.push(`product ${i}: ${String(error)}`);
        }
        await sleep(10);
      }
    };
    // Reads an operator's screens make: on the bus (catalog, notifier) and through the gateway.
    const reads = async (what: string, read: () => Promise<unknown>) => {
      while (working) {
        try {
          await read();
        } catch (error) {
          // As for creations: no replica subscribed for an instant is retried; a timeout is a failure.
          const unanswered = error instanceof AppError && error.code === "service_unavailable";
          if (unanswered && !error.message.includes("did not answer")) busRetries++;
          else failures.push(`${what}: ${String(error)}`);
        }
        await sleep(10);
      }
    };
    const signIn = await operators.fetch("http://gateway/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: adminPassword }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .find((c) => c.startsWith("lic_session="))!
      .split(";")[0]!;
    const gatewayReads = async () => {
      const response = await operators.fetch("http://gateway/api/users", { headers: { cookie } });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`GET /api/users answered ${response.status}`);
    };
    const workload = Promise.all([
      creations(0),
      creations(1),
      ...products.map((_, i) => usage(i)),
      reads("catalog", () => env.bus.request(catalog.getAccount, { id: account.id }, as)),
      reads("notifier", () => env.bus.request(notifier.state, {}, as)),
      reads("gateway", gatewayReads),
    ]);

    // Restart each replica in turn: a new one up and ready, then SIGTERM the old one.
    const exits: { name: string; code: number | null; signal: string | null; ms: number }[] = [];
    for (const name of names) {
      const list = replicas[name]!;
      for (let i = 0; i < list.length; i++) {
        await sleep(300);
        const fresh = await launch(name);
        const old = list[i]!;
        const exited = await old.stop("SIGTERM", (graceSeconds + 5) * 1_000);
        if (old.started.listening) balancers[name]?.remove(old.started.listening);
        exits.push({ name: `${name} ${i + 1}`, code: exited.code, signal: exited.signal, ms: exited.ms });
        list[i] = fresh;
      }
    }
    await sleep(300);
    working = false;
    await workload;
    balancer.stop();
    operators.stop();

    expect(failures).toEqual([]);
    expect(balancer.unsafe).toEqual([]);
    expect(operators.unsafe).toEqual([]);
    for (const exit of exits) {
      expect(exit, exit.name).toMatchObject({ code: 0, signal: null });
      expect(exit.ms, exit.name).toBeLessThan(graceSeconds * 1_000);
    }
    // There was load across the restarts.
    expect(acknowledged.size).toBeGreaterThan(20);
    expect(reported.every((count) => count > 10)).toBe(true);

    // Every acknowledged creation exists exactly once: the account holds those and the fixtures, no more.
    const db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string }>(
        "select id from issuer.licenses where account_id = $1",
        [account.id],
      );
      const ids = new Set(rows.map((row) => row.id));
      expect(rows).toHaveLength(acknowledged.size + installed.length);
      for (const id of acknowledged.values()) expect(ids.has(id)).toBe(true);
    } finally {
      await db.end();
    }
    // Every usage report the clients were told was counted is counted exactly once.
    for (const [i, { license }] of installed.entries()) {
      const counted = await env.bus.request(distribution.licenseUsage, { licenseId: license.id }, as);
      expect(counted.balance.unitsConsumed).toBe(reported[i]);
    }
    console.log(
      `rolling restart: ${acknowledged.size} licenses created (${busRetries} bus retries), ` +
        `${reported.reduce((a, b) => a + b, 0)} usage reports, ${balancer.retried} HTTP retries by the balancer; ` +
        `drains ${exits.map((e) => `${e.name} ${e.ms} ms`).join(", ")}`,
    );
  }, 300_000);
});
