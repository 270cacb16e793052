// A catalog, an issuer and a distribution service on this test file's own database and subject
// prefix, all real; the distribution service listens on a free local port (the client tests call it
// over HTTP) and runs on a clock the test can move. The issuer can be stopped and started again.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FileArtifactStore } from "@licensing/artifacts";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import { type Actor, catalog, issuer, newId, type RequestIn } from "@licensing/contracts";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { ensureEventStream, type Orm, queryOne, type RunningService } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import type { LightMyRequestResponse } from "fastify";
import { licenseFilesStream } from "../src/domain/handoff.ts";
import { releasesStream } from "../src/domain/release-handoff.ts";
import { rateLimitWindowMs } from "../src/http/rate-limits/shared-limits.ts";
import {
  createDistributionService,
  type DistributionDeps,
  type DistributionService,
  openDistributionDatabase,
} from "../src/service.ts";

export const operator: Actor = { id: "usr_ops", username: "olga", roles: ["license-admin"] };
export const as = { ctx: { requestId: "req_test", actor: operator } };
/** Legacy imports and their rollback are a superadmin's. */
export const superadmin: Actor = { id: "usr_root", username: "root", roles: ["superadmin"] };

/**
 * Rate limits count in fixed minutes of the clock, all keys falling back to 0 when one ends: a test
 * counting up to a limit starts well inside one (waiting up to 10 s for the next).
 */
export async function freshRateWindow(): Promise<void> {
  const left = rateLimitWindowMs - (Date.now() % rateLimitWindowMs);
  if (left < 10_000) await sleep(left + 50);
}

export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

export interface Issued {
  id: string;
  licenseKey: string;
  file: string;
  accountId: string;
}

export interface DistributionUnderTest {
  env: TestEnv;
  orm: Orm;
  service: DistributionService;
  /** http://127.0.0.1:<port> */
  url: string;
  clock: TestClock;
  /** The release files' store, in a folder of its own (removed at the end). */
  artifacts: FileArtifactStore;
  /** Issues a license (collector product by default) and waits until distribution has it. */
  issue(params?: Partial<RequestIn<typeof issuer.createLicense>>): Promise<Issued>;
  /**
   * Imports one legacy license (issue 14) keyed by `guid` in migration run `runId`, and waits until
   * distribution has it.
   */
  importLegacy(
    guid: string,
    options?: { runId?: string; legacyId?: string; params?: Record<string, unknown> },
  ): Promise<{ id: string; runId: string }>;
  /** Waits until the read model holds `serial` (and `state`) of a license. */
  synced(licenseId: string, serial: number, state?: string): Promise<void>;
  /** A request to the API with the license key (through inject). */
  call(
    method: "GET" | "POST",
    url: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /**
   * Starts another replica of the same deployment (same database and subject prefix, its own port
   * and NATS connection), with the first's options but those given; stopped with the rest.
   */
  addReplica(options?: ReplicaOptions): Promise<DistributionService>;
  stopIssuer(): Promise<void>;
  startIssuer(): Promise<void>;
  stop(): Promise<void>;
}

/** A replica's options; `nc`, its own NATS connection (e.g. through a proxy a test cuts), closed by the caller. */
export type ReplicaOptions = Partial<Pick<DistributionDeps, "timings" | "rateLimits" | "syncTokens" | "nc">>;

export async function startDistribution(options: ReplicaOptions = {}): Promise<DistributionUnderTest> {
  const env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  const catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
  const catalogService = createCatalogService({
    nc: await env.connect("catalog"),
    orm: catalogOrm,
    prefix: env.prefix,
    log: env.log,
  });
  await catalogService.start();
  const kek = randomBytes(32);
  const issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
  let issuerService: RunningService | undefined;
  const startIssuer = async () => {
    issuerService = createIssuerService({
      nc: await env.connect("issuer"),
      orm: issuerOrm,
      prefix: env.prefix,
      log: env.log,
      kek,
      defaultNotifyDays: 30,
    });
    await issuerService.start();
  };
  await startIssuer();
  await env.bus.request(catalog.createProduct, {
    code: "collector",
    name: "Collector",
    executionModes: [
      { code: "scanning", name: "Scanning" },
      { code: "migration", name: "Migration" },
    ],
    customFeatures: [
      { code: "csharp", name: "C#" },
      { code: "asp", name: "ASP" },
    ],
    unitsTypes: [{ code: "lines", name: "Lines of code" }],
    defaults: {
      unitsType: "lines",
      durationDays: 365,
      executionModes: ["scanning"],
      customFeatures: ["csharp"],
    },
  });
  await env.bus.request(catalog.createProduct, { code: "cockpit", name: "Cockpit" });
  const account = await env.bus.request(catalog.createAccount, { type: "customer", name: "Contoso" });

  let offset = 0;
  const clock: TestClock = {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
  };
  const artifactDir = await mkdtemp(join(tmpdir(), "distribution-artifacts-"));
  const artifacts = await FileArtifactStore.open(artifactDir);
  const replicas: { service: DistributionService; orm: Orm }[] = [];
  const startReplica = async (given: ReplicaOptions) => {
    const replicaOptions = { ...options, ...given };
    const replicaOrm = await openDistributionDatabase(env.databaseUrl, env.log);
    const replica = createDistributionService({
      nc: given.nc ?? (await env.connect("distribution")),
      orm: replicaOrm,
      prefix: env.prefix,
      log: env.log,
      listen: { port: 0, host: "127.0.0.1" },
      now: clock.now,
      rateLimits: replicaOptions.rateLimits ?? { perIp: 0, perKey: 0 },
      syncTokens: replicaOptions.syncTokens ?? [],
      timings: { cacheTtlMs: 0, ...replicaOptions.timings },
      artifacts,
    });
    await replica.start();
    replicas.push({ service: replica, orm: replicaOrm });
    return { service: replica, orm: replicaOrm };
  };
  const { service, orm } = await startReplica({});

  const synced = async (licenseId: string, serial: number, state?: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const row = await queryOne<{ serial: number; state: string }>(
        orm,
        "select serial, state from distribution.licenses where license_id = $1",
        [licenseId],
      );
      if (row && row.serial >= serial && (state === undefined || row.state === state)) return;
      if (Date.now() > deadline) throw new Error(`license ${licenseId} did not reach distribution`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  return {
    env,
    orm,
    service,
    url: service.url()!,
    clock,
    artifacts,
    async issue(params = {}) {
      const { licenses } = await env.bus.request(
        issuer.createLicense,
        { accountId: account.id, products: ["collector"], ...params },
        as,
      );
      const issued = licenses[0]!;
      await synced(issued.license.id, issued.license.serial);
      return {
        id: issued.license.id,
        licenseKey: issued.licenseKey,
        file: issued.file,
        accountId: account.id,
      };
    },
    async importLegacy(guid, options = {}) {
      const runId = options.runId ?? newId("run");
      const { items } = await env.bus.request(
        issuer.importLegacy,
        {
          runId,
          items: [
            {
              accountId: account.id,
              products: ["collector"],
              endDate: null,
              ...options.params,
              legacy: {
                source: "studio",
                id: options.legacyId ?? `STUDIO-${guid}`,
                key: guid,
                dateIssued: "2018-03-01T09:00:00Z",
                createdBy: "legacy-admin",
              },
            } as never,
          ],
        },
        { ctx: { requestId: "req_import", actor: superadmin } },
      );
      const result = items[0]!;
      if (!result.licenseId) throw new Error(`legacy import failed: ${JSON.stringify(result.error)}`);
      const serial = result.outcome === "updated" ? 2 : 1;
      await synced(result.licenseId, serial);
      return { id: result.licenseId, runId };
    },
    synced,
    call(method, url, { key, body, headers = {} } = {}) {
      return service.app.inject({
        method,
        url,
        headers: { ...(key ? { authorization: `License ${key}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
    addReplica: async (given = {}) => (await startReplica(given)).service,
    async stopIssuer() {
      await issuerService?.stop();
      issuerService = undefined;
    },
    startIssuer,
    async stop() {
      for (const replica of replicas) await replica.service.stop();
      await issuerService?.stop();
      await catalogService.stop();
      const jsm = await jetstreamManager(env.nc);
      await jsm.streams.delete(licenseFilesStream(env.prefix)).catch(() => {});
      await jsm.streams.delete(releasesStream(env.prefix)).catch(() => {});
      for (const replica of replicas) await replica.orm.close();
      await issuerOrm.close();
      await catalogOrm.close();
      await env.stop();
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}
