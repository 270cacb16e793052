import { AppError } from "@licensing/contracts";
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
import { OptimisticLockError } from "@mikro-orm/core";
import type { NatsConnection } from "@nats-io/transport-node";
import { catalogDatabase } from "./database.ts";
import { Accounts } from "./domain/accounts.ts";
import { Products } from "./domain/products.ts";
import { Releases } from "./domain/releases.ts";
import { addCatalogEndpoints } from "./endpoints.ts";

/** Opens the catalog's schema (migrated) on the database at `url`. */
export function openCatalogDatabase(url: string, log: Logger, poolSize?: number): Promise<Orm> {
  return openDatabase({ ...catalogDatabase, url, log, ...(poolSize ? { poolSize } : {}) });
}

export interface CatalogDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
}

/**
 * The catalog service: accounts, products and their releases on the bus, with their events relayed
 * from the outbox.
 */
export function createCatalogService({ nc, orm, prefix, log }: CatalogDeps): RunningService {
  const accounts = new Accounts(orm);
  const products = new Products(orm);
  const releases = new Releases(orm);
  return createBusService({
    nc,
    prefix,
    log,
    name: "catalog",
    version: "0.1.0",
    description: "Accounts (customers, prospects), contacts, products and their releases",
    classifyError: (error) =>
      error instanceof OptimisticLockError
        ? new AppError(
            "conflict",
            "The record was changed by someone else at the same time; reload and retry",
          )
        : classifyDatabaseError(error),
    endpoints: (server) => addCatalogEndpoints(server, { orm, accounts, products, releases }),
    workers: [new OutboxRelay({ orm, nc, prefix, log }), auditChainWorker({ orm, service: "catalog", log })],
  });
}
