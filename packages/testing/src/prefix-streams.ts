import { eventStreamName } from "@licensing/platform";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * Deletes every JetStream stream of a subject prefix: its events, license files, the object stores of
 * large bodies, and the key-value buckets (the gateway's upload locks). The test env and the
 * benchmarks call it when they stop, so nothing they wrote stays in the shared NATS.
 */
export async function deletePrefixStreams(nc: NatsConnection, prefix: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const own = eventStreamName(prefix).replace(/EVENTS$/, "");
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(own) || name.startsWith(`OBJ_${own}`) || name.startsWith(`KV_${own}`))
      await jsm.streams.delete(name).catch(() => {});
  }
}
