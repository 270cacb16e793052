// A catalog, an issuer and any number of notifier replicas on this test file's own database and
// subject prefix, a clock the test moves, and a real SMTP server (smtp-server) that keeps what the
// notifier sends.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import {
  type Account,
  type Actor,
  catalog,
  issuer,
  type LicenseDetail,
  notifier,
  type RequestIn,
  type UpdateNotifierSettingsRequest,
} from "@licensing/contracts";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { ensureEventStream, type Orm, type RunningService } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { type Logger, pino } from "pino";
import {
  createNotifierService,
  type NotifierDeps,
  type NotifierService,
  openNotifierDatabase,
} from "../src/service.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";

export const actors = {
  admin: { id: "usr_admin", username: "ada", roles: ["superadmin"] },
  /** A creator whose username is an email address: reachable with "also send to creators". */
  lea: { id: "usr_lea", username: "lea@example.test", roles: ["license-admin"] },
  sam: { id: "usr_sam", username: "sam", roles: ["sales"] },
} satisfies Record<string, Actor>;

export const as = (actor: Actor) => ({ ctx: { requestId: `req_${randomBytes(6).toString("hex")}`, actor } });

export interface TestClock {
  now(): Date;
  set(iso: string): void;
  advance(ms: number): void;
}

export interface NotifierReplica {
  service: NotifierService;
  orm: Orm;
}

export interface Platform {
  env: TestEnv;
  clock: TestClock;
  smtp: SmtpSink;
  kek: Buffer;
  /** Every log line every notifier wrote, as JSON text. */
  logs: string[];
  notifierLog: Logger;
  account(name: string): Promise<Account>;
  license(
    accountId: string,
    fields: Partial<RequestIn<typeof issuer.createLicense>>,
    actor?: Actor,
  ): Promise<LicenseDetail>;
  /** Starts one more notifier replica on the same database, bus, clock and key. */
  addNotifier(overrides?: Partial<NotifierDeps>): Promise<NotifierReplica>;
  /** Points the notifier at the test's SMTP server, with these settings on top. */
  configure(settings?: UpdateNotifierSettingsRequest): Promise<void>;
  stop(): Promise<void>;
}

export async function startPlatform(options: { clock: string; issuer?: boolean }): Promise<Platform> {
  const env = await createTestEnv();
  await ensureEventStream(env.nc, env.prefix);
  let current = new Date(options.clock).getTime();
  const clock: TestClock = {
    now: () => new Date(current),
    set: (iso) => {
      current = new Date(iso).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
  const stops: (() => Promise<void>)[] = [];
  if (options.issuer !== false) {
    const catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
    const catalogService = createCatalogService({
      nc: await env.connect("catalog"),
      orm: catalogOrm,
      prefix: env.prefix,
      log: env.log,
    });
    await catalogService.start();
    const issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
    const issuerService: RunningService = createIssuerService({
      nc: await env.connect("issuer"),
      orm: issuerOrm,
      prefix: env.prefix,
      log: env.log,
      kek: randomBytes(32),
      defaultNotifyDays: 30,
    });
    await issuerService.start();
    stops.push(async () => {
      await issuerService.stop();
      await catalogService.stop();
      await issuerOrm.close();
      await catalogOrm.close();
    });
    await env.bus.request(catalog.createProduct, {
      code: "collector",
      name: "Collector",
      defaults: { availableActivations: 3, durationDays: 365 },
    });
    await env.bus.request(catalog.createProduct, { code: "cockpit", name: "Cockpit" });
  }

  const smtp = await startSmtpSink();
  const logs: string[] = [];
  const notifierLog = pino(
    { level: "trace", base: { service: "notifier" } },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  const kek = randomBytes(32);
  const replicas: NotifierReplica[] = [];

  const platform: Platform = {
    env,
    clock,
    smtp,
    kek,
    logs,
    notifierLog,
    account: (name) => env.bus.request(catalog.createAccount, { type: "customer", name }),
    async license(accountId, fields, actor = actors.lea) {
      const created = await env.bus.request(
        issuer.createLicense,
        { accountId, products: ["collector"], startDate: "2031-01-01T00:00:00Z", ...fields },
        as(actor),
      );
      return created.licenses[0]!.license;
    },
    async addNotifier(overrides = {}) {
      const orm = await openNotifierDatabase(env.databaseUrl, env.log);
      const service = createNotifierService({
        nc: await env.connect("notifier"),
        orm,
        prefix: env.prefix,
        log: notifierLog,
        kek,
        seed: { uiUrl: "https://licensing.example.test", fromAddress: "licensing@example.test" },
        now: clock.now,
        pollMs: 40,
        ...overrides,
      });
      await service.start();
      const replica = { service, orm };
      replicas.push(replica);
      return replica;
    },
    async configure(settings = {}) {
      await env.bus.request(
        notifier.updateSettings,
        {
          recipients: ["ops@example.test"],
          ...settings,
          smtp: { host: "127.0.0.1", port: smtp.port, security: "none", username: null, ...settings.smtp },
        },
        as(actors.admin),
      );
    },
    async stop() {
      for (const r of replicas) {
        await r.service.stop();
        await r.orm.close();
      }
      for (const stop of stops) await stop();
      await smtp.close();
      await env.stop();
    },
  };
  return platform;
}

/** How long the tests wait for what the services do in the background (timers, retries). */
export const patience = { timeout: 20_000, interval: 25 };
