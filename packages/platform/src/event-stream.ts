import { RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { ensureStream } from "./streams.ts";

/** The JetStream stream that carries a deployment's events, e.g. `LIC_EVENTS` for prefix `lic`. */
export function eventStreamName(prefix: string): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_EVENTS`;
}

const hour = 3_600_000;

/**
 * Creates the event stream if it does not exist (every service may call this at start). Events are
 * kept for 30 days: PostgreSQL is the record of truth; the stream only carries changes. The duplicate
 * window covers a relay that publishes, dies before marking, and is restarted within two hours.
 */
export async function ensureEventStream(nc: NatsConnection, prefix: string): Promise<string> {
  const name = eventStreamName(prefix);
  await ensureStream(nc, {
    name,
    subjects: [`${prefix}.evt.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(2 * hour),
    max_age: nanos(30 * 24 * hour),
  });
  return name;
}
