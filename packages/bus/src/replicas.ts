import type { NatsConnection } from "@nats-io/transport-node";

// How many copies JetStream keeps of what the platform creates on a connection (streams, their
// consumers, the object-store buckets of large bodies): 1 on one NATS server, 3 on a cluster. Set
// once, where the connection is made (`connectNats` of @licensing/platform, from
// NATS_STREAM_REPLICAS), and read by everything that creates a stream or a bucket on it.
const replicasOf = new WeakMap<NatsConnection, number>();

export function setStreamReplicas(nc: NatsConnection, replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
    throw new RangeError(`stream replicas must be a whole number from 1 to 5 (got ${replicas})`);
  replicasOf.set(nc, replicas);
}

/** The replica count for streams and buckets created on `nc` (1 unless set). */
export function streamReplicas(nc: NatsConnection): number {
  return replicasOf.get(nc) ?? 1;
}
