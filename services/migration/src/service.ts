import { BusClient } from "@licensing/bus";
import {
  auditChainWorker,
  classifyDatabaseError,
  createBusService,
  type Logger,
  type Orm,
  openDatabase,
  type RunningService,
} from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { migrationDatabase } from "./database.ts";
import { addMigrationEndpoints } from "./endpoints.ts";
import { RunStore } from "./run/run-store.ts";
import { Runs } from "./run/runs.ts";

/** Opens the migration schema (migrated) on the database at `url`. */
export function openMigrationDatabase(url: string, log: Logger, poolSize?: number): Promise<Orm> {
  return openDatabase({ ...migrationDatabase, url, log, ...(poolSize ? { poolSize } : {}) });
}

export interface MigrationDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  /** Export directories must be inside it. */
  root: string;
}

/**
 * The migration service: runs that bring legacy sources in, executed in the replica that was asked,
 * followed from any; at stop, runs end after their current batch (interrupted, to resume).
 */
export function createMigrationService({ nc, orm, prefix, log, root }: MigrationDeps): RunningService {
  const store = new RunStore(orm);
  const runs = new Runs({ bus: new BusClient(nc, { prefix }), store, log, root });
  const service = createBusService({
    nc,
    prefix,
    log,
    name: "migration",
    version: "0.1.0",
    description: "Brings the legacy license databases in: dry runs, applies, account questions",
    classifyError: classifyDatabaseError,
    endpoints: (server) => addMigrationEndpoints(server, { runs, store }),
    workers: [auditChainWorker({ orm, service: "migration", log })],
  });
  return {
    start: () => service.start(),
    async stop() {
      await runs.stop();
      await service.stop();
    },
  };
}
