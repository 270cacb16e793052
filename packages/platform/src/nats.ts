import { setActorKeys, setStreamReplicas, type TrustedActorKey } from "@licensing/bus";
import { inboxPrefixOf } from "@licensing/contracts";
import { connect, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import type { baseConfig } from "./config.ts";

export interface NatsOptions {
  streamReplicas?: number;
  /** The service's NATS identity: a user NKey seed (`SU…`). */
  nkeySeed?: string;
  /** PEM files: the CA of the servers (TLS on), and a client certificate and key if they verify clients. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** The Ed25519 seed this connection signs actor assertions with, as `identity` (or the name). */
  actorKey?: Uint8Array;
  /** The bus identity the assertions are signed as; the connection's name when not given. */
  identity?: string;
  /** Keys assertions received on this connection are trusted under. */
  trustedActorKeys?: readonly TrustedActorKey[];
  /** A tool's connection: fail at once when NATS cannot be reached, rather than wait for it. */
  failFast?: boolean;
}

/** The NatsOptions of a service's configuration (baseConfig): its identity, TLS and actor keys. */
export function natsOptionsFrom(config: z.output<typeof baseConfig>): NatsOptions {
  const tls =
    config.NATS_TLS_CA_PATH || config.NATS_TLS_CERT_PATH
      ? {
          ...(config.NATS_TLS_CA_PATH ? { caFile: config.NATS_TLS_CA_PATH } : {}),
          ...(config.NATS_TLS_CERT_PATH ? { certFile: config.NATS_TLS_CERT_PATH } : {}),
          ...(config.NATS_TLS_KEY_PATH ? { keyFile: config.NATS_TLS_KEY_PATH } : {}),
        }
      : undefined;
  return {
    streamReplicas: config.NATS_STREAM_REPLICAS,
    ...(config.NATS_NKEY_SEED ? { nkeySeed: config.NATS_NKEY_SEED } : {}),
    ...(tls ? { tls } : {}),
    ...(config.BUS_ACTOR_KEY ? { actorKey: config.BUS_ACTOR_KEY } : {}),
    trustedActorKeys: config.BUS_ACTOR_TRUSTED_KEYS,
  };
}

/**
 * Connects to NATS and keeps reconnecting for as long as the service lives: a NATS restart is an
 * outage to ride out, not a reason to exit. With an NKey seed it authenticates as that identity,
 * whose subject permissions the server enforces (docs/operations.md, "The bus").
 */
export async function connectNats(
  url: string,
  name: string,
  log: Logger,
  options: NatsOptions = {},
): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: options.failFast ? 0 : -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: !options.failFast,
    // Without it every request captures a stack trace up front, in case it fails: over a quarter of
    // the outbox relay's publish in a profile. Failures still say which subject and why.
    noAsyncTraces: true,
    // With an identity, replies come to its own inbox prefix: the only one its permissions let it read.
    ...(options.nkeySeed
      ? {
          authenticator: nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed)),
          inboxPrefix: inboxPrefixOf(options.identity ?? name),
        }
      : {}),
    // The transport reads the files; a TLS object, even empty, refuses a server without TLS.
    ...(options.tls ? { tls: options.tls } : {}),
  });
  setStreamReplicas(nc, options.streamReplicas ?? 1);
  setActorKeys(nc, {
    ...(options.actorKey
      ? { signing: { signer: options.identity ?? name, privateKey: options.actorKey } }
      : {}),
    trusted: options.trustedActorKeys ?? [],
  });
  log.info({ server: nc.getServer() }, "connected to NATS");
  void watchStatus(nc, log);
  return nc;
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === "disconnect")
      log.warn({ server: status.server }, "NATS connection lost; reconnecting");
    else if (status.type === "reconnect") log.info({ server: status.server }, "NATS connection restored");
    else if (status.type === "error") log.error({ err: status.error }, "NATS error");
  }
}
