import { randomBytes } from "node:crypto";
import { BusClient, setActorKeys } from "@licensing/bus";
import { databaseUrlFor, dropDatabase, ensureDatabase } from "@licensing/deploy/local-infra";
import { connectNats, createLogger, type Logger } from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { inject } from "vitest";
import { testActorKeys } from "./actor-keys.ts";
import { deletePrefixStreams } from "./prefix-streams.ts";

/**
 * What one test file runs against: its own database and its own subject prefix (and so its own event
 * stream) on the shared PostgreSQL and NATS, so files run side by side without seeing each other.
 */
export interface TestEnv {
  /** Subject prefix of this file, e.g. `t3f9a…`; pass it to services as SUBJECT_PREFIX. */
  prefix: string;
  databaseUrl: string;
  /** A URL with rights to create databases on the same server (for tests that need a second one). */
  adminDatabaseUrl: string;
  natsUrl: string;
  /** The test's own NATS connection. */
  nc: NatsConnection;
  /** A typed client on the test's prefix. */
  bus: BusClient;
  log: Logger;
  /**
   * A further NATS connection (e.g. one per service under test), signing actor assertions as the
   * bus identity `name` and trusting every test identity's key.
   */
  connect(name: string): Promise<NatsConnection>;
  /** Drops the database, deletes the prefix's streams, closes connections. */
  stop(): Promise<void>;
}

export interface TestEnvOptions {
  /** Another NATS than the shared one (e.g. a test's own cluster, its URLs comma-separated). */
  natsUrl?: string;
  /** Replicas of what the test's connections create in JetStream (3 on a three-node cluster). */
  streamReplicas?: number;
}

export async function createTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const infra = inject("infra");
  const natsUrl = options.natsUrl ?? infra.natsUrl;
  const suffix = randomBytes(5).toString("hex");
  const prefix = `t${suffix}`;
  const database = `test_${suffix}`;
  await ensureDatabase(infra.databaseUrl, database);
  const log = createLogger("test", process.env.TEST_LOG_LEVEL ?? "silent");
  const connections: NatsConnection[] = [];
  const connect = async (name: string) => {
    const nc = await connectNats(natsUrl, name, log, { streamReplicas: options.streamReplicas ?? 1 });
    // Signs as the identity it is named for (any name: its own key); `test` as the gateway.
    setActorKeys(nc, testActorKeys(name));
    connections.push(nc);
    return nc;
  };
  const nc = await connect("test");
  return {
    prefix,
    databaseUrl: databaseUrlFor(infra.databaseUrl, database),
    adminDatabaseUrl: infra.databaseUrl,
    natsUrl,
    nc,
    bus: new BusClient(nc, { prefix, timeoutMs: 15_000 }),
    log,
    connect,
    async stop() {
      await deletePrefixStreams(nc, prefix);
      await Promise.all(connections.map((c) => c.close().catch(() => {})));
      await dropDatabase(infra.databaseUrl, database);
    },
  };
}
