import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { BusClient } from "@licensing/bus";
import { AppError } from "@licensing/contracts";
import {
  auditChainWorker,
  classifyDatabaseError,
  createBusService,
  type Logger,
  type Orm,
  openDatabase,
  type RunningService,
} from "@licensing/platform";
import { OptimisticLockError } from "@mikro-orm/core";
import type { NatsConnection } from "@nats-io/transport-node";
import { notifierDatabase } from "./database.ts";
import { DigestRuns } from "./domain/digest-runs.ts";
import { Digests } from "./domain/digests.ts";
import { type Mailer, smtpMailer } from "./domain/mailer.ts";
import { DigestScheduler } from "./domain/scheduler.ts";
import { notifierSealedBox } from "./domain/sealed-values.ts";
import { type SettingsSeed, SettingsStore } from "./domain/settings.ts";
import { notifierState } from "./domain/state.ts";
import { addNotifierEndpoints } from "./endpoints.ts";

/** Opens the notifier's schema (migrated) on the database at `url`. */
export function openNotifierDatabase(url: string, log: Logger, poolSize?: number): Promise<Orm> {
  return openDatabase({ ...notifierDatabase, url, log, ...(poolSize ? { poolSize } : {}) });
}

export interface NotifierDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  /** Key-encryption key (32 bytes, NOTIFIER_KEK) of the SMTP password. */
  kek: Buffer;
  /** Earlier KEKs (NOTIFIER_KEK_PREVIOUS): still open what they sealed until `kek:rotate` ran. */
  previousKeks?: readonly Buffer[];
  /** What the settings start from on the very first start. */
  seed: SettingsSeed;
  /** The clock (tests move it to the scheduled minute and past retries). */
  now?: () => Date;
  mailer?: Mailer;
  leaseMs?: number;
  pollMs?: number;
}

export interface NotifierService extends RunningService {
  scheduler: DigestScheduler;
}

/** The notifier: the daily expiry digest, its settings and its schedule. */
export function createNotifierService(deps: NotifierDeps): NotifierService {
  const { nc, orm, prefix, log } = deps;
  const now = deps.now ?? (() => new Date());
  const settings = new SettingsStore(orm, notifierSealedBox(deps.kek, deps.previousKeks), deps.seed, now);
  const runs = new DigestRuns(orm);
  const digests = new Digests({
    bus: new BusClient(nc, { prefix }),
    settings,
    mailer: deps.mailer ?? smtpMailer,
    now,
    maxPayload: () => nc.info?.max_payload ?? 1024 * 1024,
  });
  const scheduler = new DigestScheduler({
    settings,
    runs,
    digests,
    log,
    now,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
  });
  const service = createBusService({
    nc,
    prefix,
    log,
    name: "notifier",
    version: "0.1.0",
    description: "The daily expiry digest: settings, schedule, sending",
    classifyError: (error) =>
      error instanceof OptimisticLockError
        ? new AppError(
            "conflict",
            "The settings were changed by someone else at the same time; reload and retry",
          )
        : classifyDatabaseError(error),
    endpoints: (server) => addNotifierEndpoints(server, { orm, settings, runs, digests, scheduler, now }),
    workers: [scheduler, auditChainWorker({ orm, service: "notifier", log })],
    stats: async () => {
      const state = await notifierState(settings, runs, now());
      return {
        nextRunAt: state.nextRunAt,
        waiting: state.waiting,
        lastSentDay: state.lastSent?.day ?? null,
        lastSentAt: state.lastSent?.sentAt ?? null,
        lastFailure: state.lastFailure,
        current: state.recent[0] ?? null,
      };
    },
  });
  return {
    scheduler,
    async start() {
      await settings.ensure();
      await service.start();
    },
    stop: () => service.stop(),
  };
}
