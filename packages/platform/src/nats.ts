import { setStreamReplicas } from "@licensing/bus";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

/**
 * Connects to NATS and keeps reconnecting for as long as the service lives: a NATS restart is an
 * outage to ride out, not a reason to exit.
 */
export async function connectNats(
  url: string,
  name: string,
  log: Logger,
  options: { streamReplicas?: number } = {},
): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // Without it every request captures a stack trace up front, in case it fails: over a quarter of
    // the outbox relay's publish in a profile. Failures still say which subject and why.
    noAsyncTraces: true,
  });
  setStreamReplicas(nc, options.streamReplicas ?? 1);
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
