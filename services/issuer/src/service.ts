import { BusClient } from "@licensing/bus";
import { catalog as catalogApi } from "@licensing/contracts";
import {
  auditChainWorker,
  classifyDatabaseError,
  createBusService,
  type Logger,
  type Orm,
  OutboxRelay,
  openDatabase,
  type RunningService,
} from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { issuerDatabase } from "./database.ts";
import { Amendment } from "./domain/amendment.ts";
import { seedAll } from "./domain/builtin-presets.ts";
import { CatalogLookup } from "./domain/catalog-lookup.ts";
import { catalogSync } from "./domain/catalog-sync.ts";
import { DashboardFigures } from "./domain/dashboard.ts";
import { ExpiryRule } from "./domain/expiry.ts";
import { IdempotencyStore } from "./domain/idempotency.ts";
import { Issuance } from "./domain/issuance.ts";
import { LegacyImport } from "./domain/legacy-import.ts";
import { LegacyRuns } from "./domain/legacy-runs.ts";
import { LicenseDigests } from "./domain/license-digests.ts";
import { LicenseQueries } from "./domain/license-queries.ts";
import { Lifecycle } from "./domain/lifecycle.ts";
import { Presets } from "./domain/presets.ts";
import { issuerSealedBox } from "./domain/sealed-values.ts";
import { SigningKeys } from "./domain/signing-keys.ts";
import { statsCompaction } from "./domain/stats-compaction.ts";
import { UsageLookup } from "./domain/usage-lookup.ts";
import { addIssuerEndpoints } from "./endpoints.ts";

/** Opens the issuer's schema (migrated) on the database at `url`. */
export function openIssuerDatabase(url: string, log: Logger, poolSize?: number): Promise<Orm> {
  return openDatabase({ ...issuerDatabase, url, log, ...(poolSize ? { poolSize } : {}) });
}

export interface IssuerDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  /** Key-encryption key (32 bytes, ISSUER_KEK): seals signing keys, license keys, stored answers. */
  kek: Buffer;
  /** Earlier KEKs (ISSUER_KEK_PREVIOUS): still open what they sealed until `kek:rotate` ran. */
  previousKeks?: readonly Buffer[];
  defaultNotifyDays: number;
  /** IANA zone of the calendar days the status counts (see ExpiryRule); UTC by default. */
  timeZone?: string;
  /** Create each product's built-in presets (builtin-presets.ts); on unless a test says otherwise. */
  builtinPresets?: boolean;
}

/** The issuer: creates, signs and manages licenses; keeps presets and signing keys. */
export function createIssuerService(deps: IssuerDeps): RunningService {
  const { nc, orm, prefix, log } = deps;
  const expiry = new ExpiryRule(deps.defaultNotifyDays, deps.timeZone);
  const encryption = issuerSealedBox(deps.kek, deps.previousKeks);
  const idempotency = new IdempotencyStore(encryption);
  const bus = new BusClient(nc, { prefix });
  const catalog = new CatalogLookup(bus);
  const seeding = deps.builtinPresets ?? true;
  let seeded: Promise<void> = Promise.resolve();
  const signingKeys = new SigningKeys(orm, encryption, log);
  const queries = new LicenseQueries(orm, encryption, expiry);
  const issuance = new Issuance({ orm, catalog, signingKeys, encryption, idempotency, expiry });
  const service = createBusService({
    nc,
    prefix,
    log,
    name: "issuer",
    version: "0.1.0",
    description: "Creates, signs and manages licenses",
    classifyError: classifyDatabaseError,
    endpoints: (server) =>
      addIssuerEndpoints(server, {
        orm,
        issuance,
        lifecycle: new Lifecycle({ orm, signingKeys, encryption, idempotency, expiry }),
        amendment: new Amendment({
          orm,
          catalog,
          usage: new UsageLookup(bus),
          signingKeys,
          encryption,
          idempotency,
          expiry,
        }),
        queries,
        digests: new LicenseDigests(orm, queries),
        dashboard: new DashboardFigures(orm, expiry),
        presets: new Presets(orm, catalog),
        signingKeys,
        expiry,
        legacyImport: new LegacyImport({ orm, catalog, signingKeys, encryption }),
        legacyRuns: new LegacyRuns(orm),
      }),
    workers: [
      new OutboxRelay({ orm, nc, prefix, log }),
      catalogSync({ nc, orm, prefix, log, catalog, seed: seeding }),
      statsCompaction(orm, log),
      auditChainWorker({ orm, service: "issuer", log }),
    ],
  });
  return {
    async start() {
      await signingKeys.ensureActiveKeys();
      await service.start();
      // The products the catalog has already (an upgrade, a catalog filled before): in the background,
      // the catalog may be starting too; later products are seeded from their events.
      if (seeding)
        seeded = bus
          .request(catalogApi.listProducts, {})
          .then(({ items }) => seedAll(orm, items, log))
          .catch((error: unknown) =>
            log.warn({ err: error }, "built-in presets: the catalog did not answer"),
          );
    },
    async stop() {
      await service.stop();
      await seeded;
      await issuance.settled();
    },
  };
}
