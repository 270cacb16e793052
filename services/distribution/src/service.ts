import type { AddressInfo } from "node:net";
import type { ArtifactStore } from "@licensing/artifacts";
import { BusClient } from "@licensing/bus";
import type { AppError } from "@licensing/contracts";
import {
  auditChainWorker,
  classifyDatabaseError,
  createBusService,
  type Logger,
  type Orm,
  openDatabase,
  PollingWorker,
  type Worker,
} from "@licensing/platform";
import {
  apiContentSecurityPolicy,
  httpServerOptions,
  installHttpEdge,
  pageContentSecurityPolicy,
} from "@licensing/platform/http";
import type { NatsConnection } from "@nats-io/transport-node";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { distributionDatabase } from "./database.ts";
import { Delegations } from "./domain/delegations.ts";
import { DownloadCounter } from "./domain/downloads.ts";
import { HandoffPublisher, licenseFilesFeed } from "./domain/handoff.ts";
import { Leases } from "./domain/leases.ts";
import { LicenseDirectory } from "./domain/licenses.ts";
import { Machines, type MachineTimings } from "./domain/machines.ts";
import { readModelConsumer } from "./domain/read-model.ts";
import { ReceiptVerifier } from "./domain/receipt-verifier.ts";
import { Receipts } from "./domain/receipts.ts";
import { type ReconcileCounts, Reconciliation } from "./domain/reconciliation.ts";
import { releasesFeed } from "./domain/release-handoff.ts";
import { DocumentSigning, PublicKeys } from "./domain/signing.ts";
import { Updates } from "./domain/updates.ts";
import { Usage } from "./domain/usage.ts";
import { type RollupCounts, UsageRollup, usageRollupWorker } from "./domain/usage-rollup.ts";
import { addDistributionEndpoints } from "./endpoints.ts";
import { bearerChecker, installCredentials, type RateLimits } from "./http/credentials.ts";
import { registerOpenApi } from "./http/openapi.ts";
import { createSharedLimits } from "./http/rate-limits/shared-limits.ts";
import { delegationRoutes } from "./routes/delegation.ts";
import type { RouteDeps } from "./routes/deps.ts";
import { handoffRoutes } from "./routes/handoff.ts";
import { leaseRoutes } from "./routes/leases.ts";
import { licenseRoutes } from "./routes/license.ts";
import { machineRoutes } from "./routes/machines.ts";
import { systemRoutes } from "./routes/system.ts";
import { updateRoutes } from "./routes/updates.ts";
import { usageRoutes } from "./routes/usage.ts";

export { licenseFilesStream } from "./domain/handoff.ts";
export { releasesStream } from "./domain/release-handoff.ts";

/** Opens the distribution schema (migrated) on the database at `url`. */
export function openDistributionDatabase(url: string, log: Logger, poolSize?: number): Promise<Orm> {
  return openDatabase({ ...distributionDatabase, url, log, ...(poolSize ? { poolSize } : {}) });
}

export interface DistributionTimings extends MachineTimings {
  leaseTtlMs: number;
  /** How long a replica trusts what it read of a license. */
  cacheTtlMs: number;
  /** How often heartbeat-silent machines and expired leases are swept. */
  sweepIntervalMs: number;
  /** How often the read model is reconciled with the issuer (0: never; docs/distribution.md). */
  reconcileIntervalMs: number;
  /** How often usage is rolled up and old detail dropped (0: never; docs/distribution.md, "Usage data"). */
  usageRollupIntervalMs: number;
}

export const defaultTimings: DistributionTimings = {
  heartbeatTimeoutMs: 600_000,
  machineFileTtlMs: 7 * 86_400_000,
  offlineFileTtlMs: 365 * 86_400_000,
  leaseTtlMs: 900_000,
  cacheTtlMs: 1_000,
  sweepIntervalMs: 30_000,
  // Off unless configured (main.ts passes DISTRIBUTION_RECONCILE_INTERVAL_SECONDS): tests run it by hand.
  reconcileIntervalMs: 0,
  // Likewise (main.ts passes DISTRIBUTION_USAGE_ROLLUP_INTERVAL_SECONDS); the partitions are made at start.
  usageRollupIntervalMs: 0,
};

export interface DistributionDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  /** Where to listen; without it no port is opened (tests use `app.inject`). */
  listen?: { port: number; host: string };
  publicUrl?: string | undefined;
  trustProxy?: boolean;
  /** License-server tokens for GET /v1/sync. */
  syncTokens?: readonly string[];
  rateLimits?: RateLimits;
  timings?: Partial<DistributionTimings>;
  /** Days of usage detail kept (DISTRIBUTION_USAGE_DETAIL_RETENTION_DAYS; 90). */
  usageRetentionDays?: number;
  /** After SIGTERM, how long it stays up but unready before it closes its port (SHUTDOWN_DELAY_SECONDS). */
  shutdownDelayMs?: number;
  /** The clock (tests move it to expire leases and release silent machines). */
  now?: () => Date;
  /** Where release files are (ARTIFACT_*); without one, their downloads answer 503. */
  artifacts?: ArtifactStore;
}

export interface DistributionService {
  app: FastifyInstance;
  /** Where it listens (an address for programs), once started with `listen`. */
  url(): string | undefined;
  /** Where people reach it (DISTRIBUTION_PUBLIC_URL, else a localhost address), once listening. */
  publicUrl(): string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Releases heartbeat-silent machines and marks expired leases now (tests, and the timer). */
  sweep(): Promise<{ machines: number; leases: number }>;
  /** Writes pending download counts now. */
  flushDownloads(): Promise<void>;
  /** Reconciles the read model with the issuer now; undefined when another replica is at it. */
  reconcile(): Promise<ReconcileCounts | undefined>;
  /** Rolls up closed days and drops detail past the retention now; undefined when another replica is at it. */
  rollUpUsage(): Promise<RollupCounts | undefined>;
}

/**
 * The distribution service: the HTTP API products call (/v1), a read model of the issuer's licenses
 * fed by its events, the NATS endpoints operators' tools call, and the hand-off feed to license
 * servers. Documents other than license files are signed by the issuer over the bus.
 */
export function createDistributionService(deps: DistributionDeps): DistributionService {
  const { nc, orm, prefix, log } = deps;
  const now = deps.now ?? (() => new Date());
  const timings = { ...defaultTimings, ...deps.timings };
  const bus = new BusClient(nc, { prefix });
  const licenses = new LicenseDirectory(orm, timings.cacheTtlMs);
  const machines = new Machines(orm, timings, now);
  const usage = new Usage(orm, now);
  const leases = new Leases(orm, timings.leaseTtlMs, now);
  const signing = new DocumentSigning(bus);
  const keys = new PublicKeys(orm, bus, log);
  const delegations = new Delegations(orm, signing, now);
  const receiptVerifier = new ReceiptVerifier();
  const receipts = new Receipts(orm, keys, receiptVerifier, now);
  const downloads = new DownloadCounter(orm, log);
  const updates = new Updates({ orm, bus, now });
  const publisher = new HandoffPublisher(licenseFilesFeed, { orm, nc, prefix, log });
  const releasePublisher = new HandoffPublisher(releasesFeed, { orm, nc, prefix, log });
  const consumer = readModelConsumer({
    nc,
    orm,
    prefix,
    log,
    changed: (keyHash) => {
      licenses.forget(keyHash);
      publisher.nudge();
    },
    releasesChanged: () => releasePublisher.nudge(),
    keysChanged: () => setTimeout(() => void keys.refresh(), 100).unref(),
  });
  const reconciliation = new Reconciliation({
    orm,
    bus,
    log,
    changed: (keyHashes) => {
      for (const keyHash of keyHashes) licenses.forget(keyHash);
      publisher.nudge();
    },
  });
  const reconciler = reconcileWorker(reconciliation, timings.reconcileIntervalMs, log);
  const usageRollup = new UsageRollup({ orm, log, now, retentionDays: deps.usageRetentionDays ?? 90 });
  const usageRollups = usageRollupWorker(usageRollup, timings.usageRollupIntervalMs, log);
  const rateLimits = deps.rateLimits ?? { perIp: 600, perKey: 300 };
  const sharedLimits = createSharedLimits({
    nc,
    prefix,
    log,
    syncMs: rateLimits.syncMs ?? 250,
    maxKeys: rateLimits.maxKeys ?? 100_000,
    now: deps.now ? () => now().getTime() : Date.now,
  });
  const classify = (error: unknown): AppError | undefined => classifyDatabaseError(error);
  const busService = createBusService({
    nc,
    prefix,
    log,
    name: "distribution",
    version: "0.1.0",
    description:
      "License files, activations, usage and fleet seats for products; the license-server hand-off",
    classifyError: classify,
    endpoints: (server) =>
      addDistributionEndpoints(server, {
        orm,
        machines,
        usage,
        leases,
        updates,
        delegations,
        receipts,
        now,
      }),
    workers: [
      consumer,
      publisher,
      releasePublisher,
      downloads,
      keys,
      ...(sharedLimits.gossip ? [sharedLimits.gossip] : []),
      ...(reconciler ? [reconciler] : []),
      ...(usageRollups ? [usageRollups] : []),
      auditChainWorker({ orm, service: "distribution", log }),
    ],
  });

  const app = Fastify(
    httpServerOptions({
      log: log as FastifyBaseLogger,
      trustProxy: deps.trustProxy ?? false,
      bodyLimit: 256 * 1024,
    }),
  ).withTypeProvider<ZodTypeProvider>();
  const httpsPublicUrl = deps.publicUrl?.startsWith("https://") ?? false;
  const drain = installHttpEdge(app, {
    who: "service",
    classifyError: classify,
    // JSON only, but for the API documentation (Swagger UI) under /v1/docs.
    contentSecurityPolicy: (request) =>
      request.url.startsWith("/v1/docs") ? pageContentSecurityPolicy : apiContentSecurityPolicy,
    // Over https: served so directly, or behind a trusted proxy saying so (X-Forwarded-Proto), or
    // published at an https:// DISTRIBUTION_PUBLIC_URL.
    strictTransportSecurity: (request) => httpsPublicUrl || request.protocol === "https",
  });
  // Callback hooks (no promise per request): products call often, and these run on every call.
  app.addHook("onRequest", (request, reply, done) => {
    // Products may run in browsers: the key travels in a header, never in a cookie, so any origin may call.
    reply
      .header("Access-Control-Allow-Origin", "*")
      .header("Access-Control-Expose-Headers", "ETag, Retry-After, X-Request-Id");
    if (request.method !== "OPTIONS") return done();
    // Answered here: the route never runs (a hook that replies does not call done).
    reply
      .header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
      .header("Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match")
      .header("Access-Control-Max-Age", "86400")
      .code(204)
      .send();
  });
  app.addHook("onResponse", (request, reply, done) => {
    // Successes are logged at debug level, failures at info.
    const failed = reply.statusCode >= 400;
    if (failed || request.log.level === "debug" || request.log.level === "trace") {
      const line = {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      };
      if (failed) request.log.info(line, "request");
      else request.log.debug(line, "request");
    }
    done();
  });

  app.register(async (root) => {
    await registerOpenApi(root, deps.publicUrl);
    const { requireLicense } = await installCredentials(root, licenses, rateLimits, sharedLimits.store);
    const routeDeps: RouteDeps = {
      orm,
      nc,
      drain,
      machines,
      usage,
      leases,
      delegations,
      receipts,
      signing,
      keys,
      downloads,
      updates,
      artifacts: deps.artifacts,
      now,
      requireLicense,
      requireServerToken: bearerChecker(deps.syncTokens ?? []),
    };
    for (const routes of [
      licenseRoutes,
      machineRoutes,
      usageRoutes,
      leaseRoutes,
      delegationRoutes,
      updateRoutes,
      handoffRoutes,
      systemRoutes,
    ])
      await root.register(routes, routeDeps);
  });

  let sweeper: NodeJS.Timeout | undefined;
  let url: string | undefined;
  let publicUrl: string | undefined;
  const sweep = async () => ({ machines: await machines.sweep(), leases: await leases.sweep() });
  return {
    app,
    url: () => url,
    publicUrl: () => publicUrl,
    sweep,
    flushDownloads: () => downloads.flush(),
    reconcile: () => reconciliation.run(),
    rollUpUsage: () => usageRollup.run(),
    async start() {
      await keys.load();
      // A report is never lost for want of a partition (a default one catches it), but it belongs in
      // its month's; a failure here (the table busy) is left to the rollup's next run.
      await usageRollup
        .ensurePartitions()
        .catch((error: unknown) => log.warn({ err: error }, "could not make the usage partitions ahead"));
      await app.ready();
      if (deps.listen) {
        await app.listen({ port: deps.listen.port, host: deps.listen.host });
        const { port } = app.server.address() as AddressInfo;
        const wildcard: Record<string, string> = { "0.0.0.0": "127.0.0.1", "::": "[::1]" };
        const reachable =
          wildcard[deps.listen.host] ??
          (deps.listen.host.includes(":") ? `[${deps.listen.host}]` : deps.listen.host);
        const listening = `http://${reachable}:${port}`;
        const loopback = ["127.0.0.1", "[::1]", "localhost"].includes(reachable);
        url = listening;
        const forPeople = deps.publicUrl ?? (loopback ? `http://localhost:${port}` : listening);
        publicUrl = forPeople;
        log.info(
          { listening, url: forPeople },
          `distribution API listening on ${forPeople}/v1 (docs ${forPeople}/v1/docs)`,
        );
      }
      // On the bus last: once it answers $SRV.PING, the API is up too.
      await busService.start();
      sweeper = setInterval(() => {
        sweep().catch((error: unknown) => log.warn({ err: error }, "sweep failed"));
      }, timings.sweepIntervalMs);
      sweeper.unref();
    },
    /** Drains HTTP (./drain.ts) then the bus endpoints and workers; the caller then drains NATS. */
    async stop() {
      clearInterval(sweeper);
      await drain.close(app, deps.shutdownDelayMs ?? 0);
      await busService.stop();
      await receiptVerifier.stop();
    },
  };
}

/**
 * Reconciles every `intervalMs` (none when 0), the first time one interval after start: a rolling
 * restart must not make every replica walk every license at once. Stopping ends a run between two
 * licenses rather than waiting for it to walk them all.
 */
function reconcileWorker(
  reconciliation: Reconciliation,
  intervalMs: number,
  log: Logger,
): Worker | undefined {
  if (intervalMs <= 0) return undefined;
  const stopping = new AbortController();
  let started = false;
  const poller = new PollingWorker({
    what: "reconcile the read model with the issuer",
    log,
    batch: async () => {
      if (started) await reconciliation.run({ signal: stopping.signal }).catch(unlessStopping);
      started = true;
      return 0;
    },
    batchSize: 1,
    pollMs: intervalMs,
    maxBackoffMs: Math.min(intervalMs, 300_000),
  });
  const unlessStopping = (error: unknown) => {
    if (!stopping.signal.aborted) throw error;
  };
  return {
    start: () => poller.start(),
    stop: () => {
      stopping.abort();
      return poller.stop();
    },
  };
}
