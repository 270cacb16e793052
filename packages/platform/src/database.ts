import { AppError } from "@licensing/contracts";
import {
  ConnectionException,
  type EntitySchema,
  type MigrationObject,
  type Logger as OrmLogger,
} from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { execute, query } from "./sql.ts";

export type Orm = MikroORM;
export type { EntityManager } from "@mikro-orm/postgresql";

export interface DatabaseOptions {
  url: string;
  /** The service's own PostgreSQL schema; it never reads another's. */
  schema: string;
  entities: EntitySchema[];
  migrations: MigrationObject[];
  poolSize?: number;
  log: Logger;
}

/**
 * Opens the ORM on the service's schema and applies its committed migrations. Waits for PostgreSQL
 * to answer (a service may start before its database does) and gives up after `waitMs`.
 */
export async function openDatabase(options: DatabaseOptions, waitMs = 60_000): Promise<Orm> {
  const orm = new MikroORM({
    clientUrl: options.url,
    schema: options.schema,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      schema: options.schema,
      tableName: "schema_migrations",
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    pool: { min: 0, max: Math.max(options.poolSize ?? 10, 2) },
    ensureDatabase: false,
    loggerFactory: () => ormLogger(options.log),
  });
  await waitForDatabase(orm, options.log, waitMs);
  await migrate(orm, options.schema, options.log);
  return orm;
}

/**
 * Creates the schema and applies pending migrations, one process at a time: each step holds a
 * transaction-scoped advisory lock, so replicas (and services sharing database-wide objects such as
 * extensions) starting together wait for each other instead of racing. (The migrator works on other
 * pooled connections while the lock's transaction stays open, hence a pool of at least two.)
 */
async function migrate(orm: Orm, schema: string, log: Logger): Promise<void> {
  const locked = <T>(work: () => Promise<T>) =>
    orm.em.fork().transactional(async (em) => {
      await query(em, "select pg_advisory_xact_lock(hashtext('licensing platform migrations'))");
      return work();
    });
  await locked(() => execute(orm, `create schema if not exists "${schema}"`));
  const applied = await locked(() => orm.migrator.up());
  if (applied.length > 0) log.info({ migrations: applied.map((m) => m.name) }, "migrations applied");
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
