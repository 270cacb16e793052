// Dead letters: events a consumer gave up on, kept with why, so none is dropped silently. A consumer
// records one (EventConsumer); an operator lists, replays or discards them (`npm run dead-letters`,
// deploy/dead-letters.ts). A replay republishes the event to its original subject under its own event
// id, so every consumer that already handled it skips it, and the one that could not tries again.
import { BodyStore, bodyRefHeader, bodySizeHeader } from "@licensing/bus";
import { AppError } from "@licensing/contracts";
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StoredMsg,
} from "@nats-io/jetstream";
import { type MsgHdrs, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { type EventEnvelope, envelopeHeaders, readEnvelope } from "./event-envelope.ts";
import { ensureStream } from "./streams.ts";

/** Why a consumer gave an event up. */
export const deadLetterReasons = {
  unreadable_body: "the body is not JSON, or was stored by reference and is gone",
  unknown_version: "the consumer has no handler for the event's major version",
  invalid_payload: "the payload fails even the tolerant reader",
  rejected: "the handler refused it with an error that retrying cannot change",
  max_deliveries: "the handler failed unexpectedly on every delivery allowed",
} as const;
export type DeadLetterReason = keyof typeof deadLetterReasons;

/** The stream of a deployment's dead letters, e.g. `LIC_DEAD_LETTERS` for prefix `lic`. */
export function deadLetterStreamName(prefix: string): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_DEAD_LETTERS`;
}

const header = {
  reason: "Lic-Dead-Letter-Reason",
  detail: "Lic-Dead-Letter-Detail",
  consumer: "Lic-Dead-Letter-Consumer",
  subject: "Lic-Dead-Letter-Subject",
  deliveries: "Lic-Dead-Letter-Deliveries",
  replayOf: "Lic-Replay-Of",
} as const;

/** What a consumer knows of an event it gives up on. */
export interface DeadLetterInput {
  consumer: string;
  reason: DeadLetterReason;
  /** What went wrong, for the operator: the parse issues, the handler's error. */
  detail: string;
  /** The event's subject, where a replay publishes it. */
  subject: string;
  envelope: EventEnvelope;
  /** The event's headers as received (its envelope and anything a newer writer added). */
  headers: MsgHdrs | undefined;
  /** The body's bytes; undefined when they could not be read (a reference that is gone). */
  body: Uint8Array | undefined;
  /** How often the event was delivered to this consumer. */
  deliveries: number;
  /** The event's sequence in the event stream (one failure of one delivery is one dead letter). */
  streamSeq: number;
}

/** A dead letter as the operator sees it. */
export interface DeadLetter {
  /** Its sequence in the dead-letter stream: how the operator names it. */
  seq: number;
  at: string;
  consumer: string;
  reason: DeadLetterReason;
  detail: string;
  subject: string;
  eventId: string;
  version: string;
  requestId: string | undefined;
  deliveries: number;
  /** Size of the body in bytes; 0 when it could not be kept. */
  size: number;
}

/** The outcome of one replay. */
export interface Replayed {
  seq: number;
  eventId: string;
  error?: string;
}

/**
 * The dead letters of one deployment: a JetStream stream (`<PREFIX>_DEAD_LETTERS`, kept until each
 * is replayed or discarded) and, for bodies too large for a message, an object store bucket of
 * their own copies (`<PREFIX>_DEAD_LETTER_BODIES`): the event's copy expires with the event stream.
 */
export class DeadLetters {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #stream: string;
  readonly #js: JetStreamClient;
  readonly #bodies: BodyStore;
  readonly #eventBodies: BodyStore;

  constructor(nc: NatsConnection, prefix: string) {
    this.#nc = nc;
    this.#prefix = prefix;
    this.#stream = deadLetterStreamName(prefix);
    this.#js = jetstream(nc);
    this.#bodies = new BodyStore(nc, prefix, "deadLetters");
    this.#eventBodies = new BodyStore(nc, prefix, "events");
  }

  /** Creates the stream if it does not exist (every service with a consumer may call this at start). */
  async ensureStream(): Promise<void> {
    await ensureStream(this.#nc, {
      name: this.#stream,
      subjects: [`${this.#prefix}.dead-letter.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    });
  }

  /** Stores a dead letter; it is safe to give the event up once this resolved. */
  async record(letter: DeadLetterInput): Promise<void> {
    const { envelope } = letter;
    const body = letter.body
      ? await this.#bodies.putBytes(letter.body, `dead letter of event ${envelope.eventId}`)
      : undefined;
    const h = copyHeaders(letter.headers);
    envelopeHeaders(envelope, h);
    h.set(header.reason, letter.reason);
    h.set(header.detail, oneLine(letter.detail));
    h.set(header.consumer, letter.consumer);
    h.set(header.subject, letter.subject);
    h.set(header.deliveries, String(letter.deliveries));
    body?.annotate(h);
    const eventName = letter.subject.slice(`${this.#prefix}.evt.`.length) || "unknown";
    try {
      await this.#js.publish(
        `${this.#prefix}.dead-letter.${letter.consumer}.${eventName}`,
        body?.data ?? new Uint8Array(0),
        // A consumer that dies between recording and giving the event up records it again: once.
        { headers: h, msgID: `${letter.consumer}:${envelope.eventId}:${letter.streamSeq}` },
      );
    } catch (error) {
      void this.#bodies.discard(body?.ref);
      throw error;
    }
  }

  /** Every dead letter, oldest first; only one consumer's when named. */
  async list(filter: { consumer?: string } = {}): Promise<DeadLetter[]> {
    const jsm = await jetstreamManager(this.#nc);
    const info = await jsm.streams.info(this.#stream).catch(() => undefined);
    if (!info) return [];
    const letters: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await this.#get(jsm, seq);
      if (!stored) continue;
      const letter = toDeadLetter(stored);
      if (!filter.consumer || letter.consumer === filter.consumer) letters.push(letter);
    }
    return letters;
  }

  /**
   * Publishes the dead letter's event again to its original subject, with its event id (consumers
   * that handled it skip it), then removes the dead letter. Should the consumer fail again, it
   * records a new one.
   */
  async replay(seq: number): Promise<Replayed> {
    const jsm = await jetstreamManager(this.#nc);
    const stored = await this.#get(jsm, seq);
    if (!stored) throw new AppError("not_found", `There is no dead letter ${seq}`);
    const letter = toDeadLetter(stored);
    const message = { data: stored.data, headers: stored.header };
    const bytes = await this.#bodies.read(message, `dead letter ${seq}`, { consume: false });
    if (bytes.length === 0)
      throw new AppError(
        "invalid_state",
        `Dead letter ${seq} has no body (${letter.detail}); it cannot be replayed, only discarded`,
      );
    const envelope = readEnvelope(stored.header, letter.eventId);
    // Stored again under the event's id, as the relay does: the event's own copy may have expired.
    const body = await this.#eventBodies.putBytes(bytes, `event ${envelope.eventId}`, envelope.eventId);
    const h = copyHeaders(stored.header, (name) => !name.startsWith("Lic-Dead-Letter-"));
    envelopeHeaders(envelope, h);
    h.set(header.replayOf, String(seq));
    body.annotate(h);
    // Not the event id as Nats-Msg-Id: within the stream's duplicate window it would be dropped.
    await this.#js.publish(letter.subject, body.data, {
      headers: h,
      msgID: `${envelope.eventId}:replay:${seq}`,
    });
    await this.discard(seq);
    return { seq, eventId: envelope.eventId };
  }

  /** Replays every dead letter (one consumer's when named), oldest first; says how each went. */
  async replayAll(filter: { consumer?: string } = {}): Promise<Replayed[]> {
    const results: Replayed[] = [];
    for (const letter of await this.list(filter)) {
      try {
        results.push(await this.replay(letter.seq));
      } catch (error) {
        results.push({
          seq: letter.seq,
          eventId: letter.eventId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return results;
  }

  /** Removes a dead letter and its body, for an event nobody should handle. */
  async discard(seq: number): Promise<void> {
    const jsm = await jetstreamManager(this.#nc);
    const stored = await this.#get(jsm, seq);
    if (!stored) throw new AppError("not_found", `There is no dead letter ${seq}`);
    await jsm.streams.deleteMessage(this.#stream, seq);
    await this.#bodies.discard(stored.header.get(bodyRefHeader) || undefined);
  }

  async #get(jsm: JetStreamManager, seq: number): Promise<StoredMsg | null> {
    return jsm.streams.getMessage(this.#stream, { seq }).catch(() => null);
  }
}

/**
 * The headers worth keeping of a message: not the server's (`Nats-*`, a repeated `Nats-Msg-Id`
 * would make JetStream drop the message) nor a body reference (the new message has its own).
 */
function copyHeaders(from: MsgHdrs | undefined, keep: (name: string) => boolean = () => true): MsgHdrs {
  const into = natsHeaders();
  for (const name of from?.keys() ?? []) {
    if (name.startsWith("Nats-") || name === bodyRefHeader || name === bodySizeHeader || !keep(name))
      continue;
    for (const value of from!.values(name)) into.append(name, value);
  }
  return into;
}

/** A header value: one line (NATS headers cannot hold a line break), at most 2,000 characters. */
function oneLine(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  return flat.length > 2_000 ? `${flat.slice(0, 1_999)}…` : flat;
}

function toDeadLetter(stored: StoredMsg): DeadLetter {
  const h = stored.header;
  const envelope = readEnvelope(h, "");
  return {
    seq: stored.seq,
    at: stored.time.toISOString(),
    consumer: h.get(header.consumer),
    reason: h.get(header.reason) as DeadLetterReason,
    detail: h.get(header.detail),
    subject: h.get(header.subject),
    eventId: envelope.eventId,
    version: envelope.version,
    requestId: envelope.requestId,
    deliveries: Number(h.get(header.deliveries)) || 0,
    size: Number(h.get(bodySizeHeader)) || stored.data.length,
  };
}
