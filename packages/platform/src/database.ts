import { AppError } from "@licensing/contracts";
import {
  ConnectionException,
  type EntitySchema,
  type MigrationObject,
  type Logger as OrmLogger,
} from "@mikro-orm/core";
import { type EntityManager, MikroORM, type Options } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { ServiceMigrationGenerator, SnapshotMigrator } from "./migrator.ts";
import { applyRepeatableSql, readRepeatableSql, repeatableTable } from "./repeatable-sql.ts";
import { execute, query } from "./sql.ts";
import { watchPool } from "./work-metrics.ts";

export type Orm = MikroORM;
export type { EntityManager } from "@mikro-orm/postgresql";

/**
 * What a service's persistence is made of (docs/development.md, "Persistence"). The entities are
 * the schema: the migrations are generated from them (`npm run db -w services/<name> -- create`),
 * and a test checks that a migrated database and the entities agree.
 */
export interface DatabaseDefinition {
  /** The service's own PostgreSQL schema; it never reads another's. */
  schema: string;
  entities: EntitySchema[];
  /** Every migration, in order: the event tables, the history, then those generated from the entities. */
  migrations: MigrationObject[];
  /**
   * The service's migrations folder: the snapshot the next migration is generated from
   * (`snapshot.json`) and the repeatable SQL files (`repeatable/*.sql`).
   */
  folder: string;
}

export interface DatabaseOptions extends DatabaseDefinition {
  url: string;
  poolSize?: number;
  log: Logger;
}

/** The name of the snapshot file in a migrations folder. */
export const snapshotName = "snapshot";

/** MikroORM's options for a service's database (also used by the migration CLI and the schema tests). */
export function ormOptions(options: DatabaseOptions): Options {
  return {
    clientUrl: options.url,
    schema: options.schema,
    entities: options.entities,
    extensions: [SnapshotMigrator],
    migrations: {
      migrationsList: options.migrations,
      schema: options.schema,
      tableName: "schema_migrations",
      transactional: true,
      allOrNothing: true,
      // Migrations are generated from the entities against this snapshot, never from a database;
      // running them does not rewrite it (the CLI does, with the migration it writes).
      path: options.folder,
      snapshot: true,
      snapshotName,
      snapshotOnMigrate: false,
      generator: ServiceMigrationGenerator,
    },
    schemaGenerator: {
      // Functions and triggers are the repeatable SQL files' (repeatable-sql.ts): the schema
      // generator neither drops nor rewrites them, and leaves their bookkeeping table alone.
      ignoreRoutines: true,
      ignoreTriggers: true,
      skipTables: [repeatableTable],
    },
    pool: { min: 0, max: Math.max(options.poolSize ?? 10, 2) },
    ensureDatabase: false,
    loggerFactory: () => ormLogger(options.log),
  };
}

/**
 * Opens the ORM on the service's schema and brings the schema up to date (migrate). Waits for
 * PostgreSQL to answer (a service may start before its database does) and gives up after `waitMs`.
 */
export async function openDatabase(options: DatabaseOptions, waitMs = 60_000): Promise<Orm> {
  const orm = new MikroORM(ormOptions(options));
  await waitForDatabase(orm, options.log, waitMs);
  await migrate(orm, options, options.log);
  watchPool(options.schema, await orm.driver.getConnection().getNativeClient());
  return orm;
}

/**
 * Creates the schema, applies pending migrations, then the repeatable SQL files that changed, all
 * in one transaction (a failure leaves the schema as it was), one process at a time: the
 * transaction holds an advisory lock, so replicas (and services sharing database-wide objects such
 * as extensions) starting together wait for each other instead of racing.
 */
export async function migrate(orm: Orm, definition: DatabaseDefinition, log: Logger): Promise<void> {
  const { schema, folder } = definition;
  const locked = <T>(work: (em: EntityManager) => Promise<T>) =>
    orm.em.fork().transactional(async (em) => {
      await query(em, "select pg_advisory_xact_lock(hashtext('licensing platform migrations'))");
      return work(em);
    });
  // Committed first: the migrator creates its own table outside the transaction below.
  await locked((em) => execute(em, `create schema if not exists "${schema}"`));
  const files = readRepeatableSql(folder);
  const { migrations, repeatables } = await locked(async (em) => ({
    migrations: await orm.migrator.up({ transaction: em.getTransactionContext() }),
    repeatables: await applyRepeatableSql(em, schema, files),
  }));
  if (migrations.length > 0) log.info({ migrations: migrations.map((m) => m.name) }, "migrations applied");
  if (repeatables.length > 0) log.info({ repeatables }, "repeatable SQL applied");
}

async function waitForDatabase(orm: Orm, log: Logger, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await orm.connect();
      if (await orm.isConnected()) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      if (attempt === 0) log.warn({ err: error }, "PostgreSQL does not answer yet; waiting");
    }
    if (Date.now() > deadline) throw new Error("PostgreSQL did not answer in time");
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 2_000)));
  }
}

function ormLogger(log: Logger): OrmLogger {
  const child = log.child({ component: "orm" });
  return {
    log: (namespace, message) => child.debug({ namespace }, String(message)),
    error: (namespace, message) => child.error({ namespace }, String(message)),
    warn: (namespace, message) => child.warn({ namespace }, String(message)),
    logQuery: () => {},
    setDebugMode: () => {},
    isEnabled: () => false,
  };
}

// PostgreSQL SQLSTATEs and socket errors that mean "the database is not there right now".
const unavailableCodes = new Set([
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300",
]);
const unavailableErrnos = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** Maps a lost or refusing database to `service_unavailable`; anything else is left to the caller. */
export function classifyDatabaseError(error: unknown): AppError | undefined {
  if (isDatabaseUnavailable(error)) {
    return new AppError("service_unavailable", "The database is unavailable; try again shortly");
  }
  return undefined;
}

function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof ConnectionException) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (unavailableCodes.has(code) || unavailableErrnos.has(code))) return true;
  if (
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message)
  )
    return true;
  return (
    isDatabaseUnavailable(error.cause, depth + 1) ||
    isDatabaseUnavailable((error as { previous?: unknown }).previous, depth + 1)
  );
}
