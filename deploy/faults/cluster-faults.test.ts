// Proof under faults (issue 15): the platform as production runs it, on one machine. Three
// nats-server processes clustered with JetStream at R3, PostgreSQL, two replicas of catalog, issuer,
// distribution (behind a balancer) and notifier, each its own process. A workload issues licenses,
// activates machines, reports usage and follows the license servers' feed while, at seeded random
// times, a replica of each service is SIGKILLed (and replaced), a NATS node is killed and restarted,
// PostgreSQL drops every connection, and the database is dumped. Afterwards the ledgers must agree.
// Then the backup drill: the dump restored into a fresh database runs the platform again.
//
// The seed and the fault times are printed: FAULT_SEED=<seed> npm run test:faults replays a run.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { BusClient } from "@licensing/bus";
import { LicenseManager, MemoryStorage, type TrustedKey } from "@licensing/client";
import {
  type Actor,
  AppError,
  catalog,
  distribution,
  type IssuedLicense,
  issuer,
  notifier,
} from "@licensing/contracts";
import { databaseUrlFor, dropDatabase, ensureDatabase } from "@licensing/deploy/local-infra";
import { type MailCatcher, startMailCatcher } from "@licensing/mail-catcher";
import {
  Balancer,
  createTestEnv,
  type NatsCluster,
  startNatsCluster,
  type TestEnv,
} from "@licensing/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFault, type Fault, faultPlan, type KilledService } from "./plan.ts";
import { Replicas } from "./support/replicas.ts";

const run = promisify(execFile);
const seed = Number(process.env.FAULT_SEED ?? Date.now() % 2 ** 31);
const operator: Actor = { id: "usr_ops", username: "olga", roles: ["superadmin"] };
const as = { ctx: { requestId: "req_faults", actor: operator } };
const syncToken = randomBytes(24).toString("hex");
const issuerKek = randomBytes(32).toString("base64");
const day = 86_400_000;

let cluster: NatsCluster;
let env: TestEnv;
let mail: MailCatcher;
let workDir: string;
let balancer: Balancer;
let admin: pg.Client;
const deployments: Replicas[] = [];
const restoredDatabase = `restored_${randomBytes(4).toString("hex")}`;

/** What the faults test leaves for the backup drill. */
const backup: { file?: string; cursor?: string | null } = {};

const serviceEnv = (databaseUrl: string, prefix: string): Record<string, Record<string, string>> => {
  const common = {
    DATABASE_URL: databaseUrl,
    NATS_URL: cluster.url,
    NATS_STREAM_REPLICAS: "3",
    SUBJECT_PREFIX: prefix,
    LOG_LEVEL: "warn",
    DATABASE_POOL_SIZE: "4",
    SHUTDOWN_GRACE_SECONDS: "10",
  };
  return {
    catalog: common,
    issuer: { ...common, ISSUER_KEK: issuerKek },
    distribution: {
      ...common,
      DISTRIBUTION_PORT: "0",
      DISTRIBUTION_HOST: "127.0.0.1",
      DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "0",
      DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "0",
      DISTRIBUTION_SYNC_TOKENS: syncToken,
      // Drift (an acknowledged JetStream write lost) is repaired within seconds, not the hour.
      DISTRIBUTION_RECONCILE_INTERVAL_SECONDS: "5",
      SHUTDOWN_DELAY_SECONDS: "0.5",
    },
    notifier: {
      ...common,
      NOTIFIER_KEK: randomBytes(32).toString("base64"),
      NOTIFIER_SMTP_URL: `smtp://127.0.0.1:${mail.port}?tls=none`,
      // A replica killed while it holds the day's digest holds the other off this long.
      NOTIFIER_DIGEST_LEASE_SECONDS: "15",
    },
  };
};

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  env = await createTestEnv({ natsUrl: cluster.url, streamReplicas: 3 });
  workDir = mkdtempSync(join(tmpdir(), "faults-"));
  mail = await startMailCatcher({ directory: join(workDir, "mail"), port: 0 });
  admin = new pg.Client({ connectionString: env.databaseUrl });
  await admin.connect();
  balancer = new Balancer();
}, 120_000);

afterAll(async () => {
  balancer?.stop();
  await Promise.all(deployments.map((d) => d.stopAll()));
  await admin?.end();
  await mail?.close();
  await env?.stop();
  await dropDatabase(env.adminDatabaseUrl, restoredDatabase).catch(() => {});
  await cluster?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

/** Retries `attempt` while the platform is unreachable or busy (what a careful caller does). */
async function untilAnswered<T>(what: string, attempt: () => Promise<T>, deadlineMs = 90_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = !(error instanceof AppError) || error.code === "service_unavailable";
      if (!retryable || Date.now() > deadline) throw new Error(`${what}: ${String(error)}`);
      await sleep(50);
    }
  }
}

const counted = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

describe("the platform on a three-node NATS cluster, two replicas of every service, under faults", () => {
  it("keeps every ledger in agreement", async () => {
    const envs = serviceEnv(env.databaseUrl, env.prefix);
    const deployment = (name: KilledService) =>
      new Replicas(name, () => envs[name]!, name === "distribution" ? balancer : undefined);
    const services = {
      catalog: deployment("catalog"),
      issuer: deployment("issuer"),
      distribution: deployment("distribution"),
      notifier: deployment("notifier"),
    };
    deployments.push(...Object.values(services));
    // The first replica of each migrates its schema; the second joins it.
    await Promise.all(Object.values(services).map((d) => d.add()));
    await Promise.all(Object.values(services).map((d) => d.add()));

    // Fixtures: a product, an account, licenses for three installed products, one for many
    // activations, one expiring soon (so the digest has something to say).
    await env.bus.request(catalog.createProduct, {
      code: "collector",
      name: "Collector",
      unitsTypes: [{ code: "lines", name: "Lines of code" }],
      defaults: { unitsType: "lines", durationDays: 365 },
    });
    const account = await env.bus.request(catalog.createAccount, { type: "customer", name: "Contoso" });
    const issue = async (idempotencyKey: string, fields: Record<string, unknown> = {}) => {
      const { licenses } = await env.bus.request(
        issuer.createLicense,
        {
          accountId: account.id,
          products: ["collector"],
          accumulatedUnits: 1_000_000,
          idempotencyKey,
          ...fields,
        },
        as,
      );
      return licenses[0]!;
    };
    const installed = [await issue("fixture-1"), await issue("fixture-2"), await issue("fixture-3")];
    const forActivations = await issue("fixture-activations", { availableActivations: 10_000 });
    const expiring = await issue("fixture-expiring", {
      startDate: new Date(Date.now() - 30 * day).toISOString(),
      endDate: new Date(Date.now() + 5 * day).toISOString(),
      notifyDays: 14,
    });
    const fixtures: IssuedLicense[] = [...installed, forActivations, expiring];
    const trustedKeys = await untilAnswered("keys", async () => {
      const response = await balancer.fetch("http://balancer/v1/keys");
      return ((await response.json()) as { keys: TrustedKey[] }).keys;
    });
    const manager = (licenseKey: string, fingerprint: string) =>
      new LicenseManager({
        product: "collector",
        serverUrl: "http://balancer",
        licenseKey,
        trustedKeys,
        storage: new MemoryStorage(),
        fingerprint,
        proxy: false,
        fetch: balancer.fetch,
      });
    const products = installed.map(({ licenseKey }, i) => manager(licenseKey, `machine-${i}`));
    for (const product of products) {
      await untilAnswered("first activation", async () => {
        await product.fetchLicense();
        await product.activate();
      });
    }

    // The digest is due at the next whole minute at least 25 s away; the workload runs past it.
    const digestAt = Math.ceil((Date.now() + 25_000) / 60_000) * 60_000;
    const digestTime = new Date(digestAt).toISOString().slice(11, 16);
    await env.bus.request(
      notifier.updateSettings,
      {
        enabled: true,
        dailyTime: digestTime,
        timeZone: "UTC",
        recipients: ["ops@example.test"],
        smtp: { host: "127.0.0.1", port: mail.port, security: "none", username: null },
      },
      as,
    );
    const startedAt = Date.now();
    const lengthMs = Math.max(60_000, digestAt + 20_000 - startedAt);
    const plan = faultPlan(seed, lengthMs);
    console.log(
      `faults: seed ${seed} (FAULT_SEED=${seed} replays), workload ${Math.round(lengthMs / 1_000)} s, ` +
        `digest at ${digestTime} UTC\n  ${plan.map(describeFault).join("\n  ")}`,
    );

    // The workload, until the faults are over.
    let working = true;
    const failures: string[] = [];
    const errorsSeen = new Map<string, number>();
    const acknowledged = new Map<string, string>();
    const creations = async (worker: number) => {
      for (let n = 0; working; n++) {
        const key = `faults-${worker}-${n}`;
        try {
          acknowledged.set(key, (await untilAnswered(`create ${key}`, () => issue(key))).license.id);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const authorized = products.map(() => 0);
    const usage = async (i: number) => {
      const product = products[i]!;
      while (working) {
        try {
          await product.authorizeExecution({ units: 1 });
          authorized[i]! += 1;
        } catch (error) {
          counted(errorsSeen, `usage: ${String(error).slice(0, 80)}`);
        }
        await sleep(20);
      }
    };
    const activated = new Set<string>();
    const activations = async () => {
      for (let n = 0; working; n++) {
        const fingerprint = `activated-${n}`;
        const machine = manager(forActivations.licenseKey, fingerprint);
        try {
          await untilAnswered(`activate ${fingerprint}`, async () => {
            await machine.fetchLicense();
            await machine.activate();
          });
          activated.add(fingerprint);
        } catch (error) {
          failures.push(String(error));
        } finally {
          machine.close();
        }
      }
    };
    // A license server following the feed, as it would in production.
    const feed = { cursor: null as string | null, seen: new Map<string, number>() };
    const follow = async (stopWhen: () => boolean) => {
      while (!stopWhen()) {
        try {
          const query = feed.cursor ? `?cursor=${encodeURIComponent(feed.cursor)}` : "";
          const response = await balancer.fetch(`http://balancer/v1/sync${query}`, {
            headers: { authorization: `Bearer ${syncToken}` },
          });
          if (!response.ok) throw new Error(`sync answered ${response.status}: ${await response.text()}`);
          const page = (await response.json()) as {
            items: { licenseId: string; serial: number }[];
            nextCursor: string | null;
            hasMore: boolean;
          };
          for (const item of page.items) feed.seen.set(item.licenseId, item.serial);
          feed.cursor = page.nextCursor ?? feed.cursor;
          if (!page.hasMore) await sleep(200);
        } catch (error) {
          counted(errorsSeen, `sync: ${String(error).slice(0, 80)}`);
          await sleep(100);
        }
      }
    };

    const inject = async (fault: Fault) => {
      switch (fault.kind) {
        case "kill":
          await services[fault.service].kill(fault.replica);
          await sleep(fault.downMs);
          await services[fault.service].add();
          return;
        case "nats-node":
          await cluster.kill(fault.node);
          await sleep(fault.downMs);
          await cluster.restart(fault.node);
          return;
        case "pg-connections":
          await admin.query(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
          );
          return;
        case "pg-dump": {
          backup.cursor = feed.cursor;
          backup.file = join(workDir, "backup.dump");
          // A dump cut off by the connections fault is taken again, as a backup job would.
          await untilAnswered("pg_dump", () =>
            run("pg_dump", ["--format=custom", `--file=${backup.file}`, `--dbname=${env.databaseUrl}`]),
          );
          return;
        }
      }
    };
    const faults = plan.map(async (fault) => {
      await sleep(Math.max(0, startedAt + fault.at - Date.now()));
      try {
        await inject(fault);
      } catch (error) {
        failures.push(`fault ${describeFault(fault)}: ${String(error)}`);
      }
    });
    const workload = Promise.all([
      creations(0),
      creations(1),
      activations(),
      ...products.map((_, i) => usage(i)),
      follow(() => !working),
    ]);
    await sleep(lengthMs);
    await Promise.all(faults);
    working = false;
    await workload;

    // The usage the products still hold goes out now that everything is back.
    for (const product of products)
      await untilAnswered("flush", async () => {
        const { pending } = await product.flushUsage();
        if (pending > 0) throw new Error(`${pending} reports still queued`);
      });
    expect(failures).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(20);
    expect(activated.size).toBeGreaterThan(5);
    expect(authorized.every((count) => count > 10)).toBe(true);

    const expected = new Set([...acknowledged.values(), ...fixtures.map((f) => f.license.id)]);
    const ids = async (sql: string) =>
      new Set((await admin.query<{ id: string }>(sql, [account.id])).rows.map((row) => row.id));

    // Every acknowledged license exists exactly once in the issuer…
    const issued = await admin.query<{ id: string }>("select id from issuer.licenses where account_id = $1", [
      account.id,
    ]);
    expect(issued.rows).toHaveLength(expected.size);
    expect(new Set(issued.rows.map((r) => r.id))).toEqual(expected);
    // …in distribution's read model (once it has caught up: events, or the reconciliation)…
    await expect
      .poll(() => ids("select license_id as id from distribution.licenses where account_id = $1"), {
        timeout: 60_000,
        interval: 500,
      })
      .toEqual(expected);
    // …and in the hand-off feed: once in a full pass, and seen by the server that followed it.
    const fullPass = new Map<string, number>();
    let cursor: string | null = null;
    for (let more = true; more; ) {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      const response = await balancer.fetch(`http://balancer/v1/sync${query}`, {
        headers: { authorization: `Bearer ${syncToken}` },
      });
      const page = (await response.json()) as {
        items: { licenseId: string }[];
        nextCursor: string | null;
        hasMore: boolean;
      };
      for (const item of page.items) counted(fullPass, item.licenseId);
      cursor = page.nextCursor;
      more = page.hasMore;
    }
    expect([...fullPass.keys()].sort()).toEqual([...expected].sort());
    expect([...fullPass.values()].every((n) => n === 1)).toBe(true);
    const caughtUp = Date.now() + 30_000;
    await follow(() => [...expected].every((id) => feed.seen.has(id)) || Date.now() > caughtUp);
    expect([...expected].filter((id) => !feed.seen.has(id))).toEqual([]);

    // Every usage report the products were authorized for is counted exactly once…
    for (const [i, { license }] of installed.entries()) {
      const { balance } = await env.bus.request(distribution.licenseUsage, { licenseId: license.id }, as);
      expect({ product: i, consumed: balance.unitsConsumed }).toEqual({
        product: i,
        consumed: authorized[i],
      });
    }
    // …and every acknowledged activation holds one machine (a read of the table: the operators'
    // view lists the newest 500).
    const machines = await admin.query<{ fingerprint: string }>(
      "select fingerprint from distribution.machines where license_id = $1 and status = 'active'",
      [forActivations.license.id],
    );
    expect(machines.rows).toHaveLength(activated.size);
    expect(new Set(machines.rows.map((m) => m.fingerprint))).toEqual(activated);

    // The day's digest went out once, whichever replica died.
    await expect
      .poll(async () => (await mail.list(10)).length, {
        timeout: Math.max(60_000, digestAt + 60_000 - Date.now()),
      })
      .toBeGreaterThan(0);
    await sleep(3_000);
    const digests = await mail.list(10);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.subject).toMatch(/^License expiry digest/);

    // No outbox row is left behind.
    const schemas = await admin.query<{ schema: string }>(
      "select table_schema as schema from information_schema.tables where table_name = 'outbox'",
    );
    for (const { schema } of schemas.rows)
      await expect
        .poll(
          async () =>
            (await admin.query(`select 1 from "${schema}".outbox where published_at is null limit 1`))
              .rowCount,
          { timeout: 30_000, interval: 500 },
        )
        .toBe(0);

    console.log(
      `faults: ${acknowledged.size} licenses created, ${activated.size} machines activated, ` +
        `${authorized.reduce((a, b) => a + b, 0)} executions authorized, ${balancer.retried} balancer retries; ` +
        `replicas restarted after a crash on start: ${JSON.stringify(Object.values(services).flatMap((d) => d.crashedOnStart))}; ` +
        `errors the clients rode out: ${JSON.stringify(Object.fromEntries(errorsSeen))}`,
    );
  }, 600_000);

  it("restores from the dump taken under load: every license verifies, keys decrypt, the feed resumes", async () => {
    expect(backup.file && existsSync(backup.file)).toBe(true);
    await ensureDatabase(env.adminDatabaseUrl, restoredDatabase);
    const restoredUrl = databaseUrlFor(env.adminDatabaseUrl, restoredDatabase);
    await run("pg_restore", ["--no-owner", `--dbname=${restoredUrl}`, backup.file!]);

    // A new deployment on the restored database (and its own streams: NATS state is not restored).
    const prefix = `${env.prefix}r`;
    const envs = serviceEnv(restoredUrl, prefix);
    const restoredBalancer = new Balancer();
    const restored = ["catalog", "issuer", "distribution"].map(
      (name) => new Replicas(name, () => envs[name]!, name === "distribution" ? restoredBalancer : undefined),
    );
    deployments.push(...restored);
    try {
      await Promise.all(restored.map((d) => d.add()));
      const bus = new BusClient(env.nc, { prefix, timeoutMs: 15_000 });
      const trustedKeys = (
        (await (await restoredBalancer.fetch("http://balancer/v1/keys")).json()) as { keys: TrustedKey[] }
      ).keys;

      // Every license of the backup: its key decrypts, its file downloads and verifies.
      const db = new pg.Client({ connectionString: restoredUrl });
      await db.connect();
      const { rows } = await db.query<{ id: string }>("select id from issuer.licenses order by id");
      await db.end();
      expect(rows.length).toBeGreaterThan(5);
      for (const { id } of rows) {
        const { licenseKey } = await bus.request(issuer.revealKey, { id }, as);
        const product = new LicenseManager({
          product: "collector",
          serverUrl: "http://balancer",
          licenseKey,
          trustedKeys,
          storage: new MemoryStorage(),
          fingerprint: "restored",
          proxy: false,
          fetch: restoredBalancer.fetch,
        });
        // Licenses whose events were in flight at the dump reach the read model by reconciliation.
        const { license } = await untilAnswered(`download ${id}`, () => product.fetchLicense(), 60_000);
        expect(license.id).toBe(id);
        product.close();
      }

      // The signing key decrypts: a new license is signed, and the feed resumes from where the
      // license server stood at the backup, to the new license.
      const account = await bus.request(catalog.createAccount, { type: "customer", name: "After restore" });
      const { licenses } = await bus.request(
        issuer.createLicense,
        {
          accountId: account.id,
          products: ["collector"],
          accumulatedUnits: 10,
          idempotencyKey: "after-restore",
        },
        as,
      );
      const fresh = licenses[0]!.license.id;
      await expect
        .poll(
          async () => {
            const seen: string[] = [];
            let cursor = backup.cursor ?? null;
            for (let more = true; more; ) {
              const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
              const response = await restoredBalancer.fetch(`http://balancer/v1/sync${query}`, {
                headers: { authorization: `Bearer ${syncToken}` },
              });
              if (!response.ok) throw new Error(`sync answered ${response.status}`);
              const page = (await response.json()) as {
                items: { licenseId: string }[];
                nextCursor: string | null;
                hasMore: boolean;
              };
              seen.push(...page.items.map((item) => item.licenseId));
              cursor = page.nextCursor;
              more = page.hasMore;
            }
            return seen.includes(fresh);
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);
      console.log(`backup drill: ${rows.length} licenses restored, verified and their keys decrypted`);
    } finally {
      restoredBalancer.stop();
      await Promise.all(restored.map((d) => d.stopAll()));
    }
  }, 300_000);
});
