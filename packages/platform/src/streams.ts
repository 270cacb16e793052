import { streamReplicas } from "@licensing/bus";
import { jetstreamManager, type StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * Creates a stream, or brings an existing one up to `config` (another replica or an older release
 * may have made it). Every stream the platform owns is made here, with the connection's replica
 * count (NATS_STREAM_REPLICAS: 1 on one server, 3 on a cluster).
 */
export async function ensureStream(
  nc: NatsConnection,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const wanted = { ...config, num_replicas: streamReplicas(nc) };
  try {
    await jsm.streams.add(wanted);
  } catch (error) {
    const existing = await jsm.streams.info(config.name).catch(() => undefined);
    if (!existing) throw error;
    await jsm.streams.update(config.name, wanted);
  }
}
