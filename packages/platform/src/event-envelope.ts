// An event's envelope: what travels beside its payload, in NATS headers. Written here for every
// publisher (the outbox relay, a dead letter's replay) and read here by every consumer.
import { contextHeaders, eventHeaders } from "@licensing/contracts";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";

export interface EventEnvelope {
  /** The outbox id; consumers deduplicate on it. */
  eventId: string;
  /** The writer's schema version, `<major>.<minor>` as sent (a reader checks it). */
  version: string;
  /** The request that caused the event, when one did. */
  requestId: string | undefined;
  /** Its trace context (`traceparent`, `tracestate`), sent as headers of those names; read with extractTraceContext. */
  traceContext?: Record<string, string> | null | undefined;
}

/** The headers of an event's envelope. */
export function envelopeHeaders(envelope: EventEnvelope, into: MsgHdrs = natsHeaders()): MsgHdrs {
  into.set(eventHeaders.id, envelope.eventId);
  into.set(eventHeaders.version, envelope.version);
  if (envelope.requestId) into.set(contextHeaders.requestId, envelope.requestId);
  for (const [name, value] of Object.entries(envelope.traceContext ?? {})) into.set(name, value);
  return into;
}

/**
 * The envelope of a received event. Events published before the envelope carried an id and a
 * version have the id as their `Nats-Msg-Id` (the relay's) and are version `1.0`.
 */
export function readEnvelope(headers: MsgHdrs | undefined, fallbackId: string): EventEnvelope {
  return {
    eventId: headers?.get(eventHeaders.id) || headers?.get("Nats-Msg-Id") || fallbackId,
    version: headers?.get(eventHeaders.version) || "1.0",
    requestId: headers?.get(contextHeaders.requestId) || undefined,
  };
}
