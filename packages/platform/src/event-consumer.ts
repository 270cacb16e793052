import { BodyGone, BodyStore, extractTraceContext } from "@licensing/bus";
import {
  AppError,
  decodeUtf8Strictly,
  type EventType,
  eventReaders,
  eventSubject,
  parseEventVersion,
  type ReceivedPayload,
  toFieldIssues,
  transientErrorCodes,
} from "@licensing/contracts";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { SpanKind } from "@opentelemetry/api";
import type { Logger } from "pino";
import { classifyDatabaseError, type EntityManager, type Orm } from "./database.ts";
import { type DeadLetterReason, DeadLetters, deadLetterReasons } from "./dead-letters.ts";
import { type EventEnvelope, readEnvelope } from "./event-envelope.ts";
import { eventStreamName } from "./event-stream.ts";
import { observeConsumerStarted, observeDeadLetter, observeEventHandled } from "./metrics.ts";
import { ProcessedEvent } from "./outbox.ts";
import { platformTracer } from "./tracing.ts";
import { watchConsumer } from "./work-metrics.ts";

export interface EventContext {
  /** The unit of work of this event: what the handler changes commits with the deduplication mark. */
  em: EntityManager;
  eventId: string;
  /** The writer's schema version, `<major>.<minor>`: the major is the handler's, the minor any. */
  version: string;
  requestId: string | undefined;
  log: Logger;
}

/**
 * Handles one event. The payload was parsed by a tolerant reader (members a newer writer added are
 * dropped, enum values it added are kept), so the handler decides what an unknown value means. An
 * AppError it throws is a refusal (the event is dead-lettered at once), unless its code is transient
 * (`service_unavailable`…: retried until it passes); any other failure is retried, then dead-lettered.
 */
export type EventHandler<E extends EventType> = (
  payload: ReceivedPayload<E>,
  ctx: EventContext,
) => Promise<void>;

interface Subscription {
  type: EventType;
  handle: EventHandler<EventType>;
}

export interface EventConsumerOptions {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  /** Durable consumer name; replicas of one service share it and so share the work. */
  name: string;
  log: Logger;
  /**
   * Deliveries of an event whose handler fails unexpectedly (a bug, not a refusal nor a lost
   * database) before it is dead-lettered: 10 by default, about five minutes of retries.
   */
  maxDeliveries?: number;
  /** The first retry's delay, doubled at each one up to a minute: 1 s by default. */
  retryDelayMs?: number;
}

/** What a consumer has done since it started, for `$SRV.STATS`. */
export interface ConsumerFigures {
  consumer: string;
  handled: number;
  /** Events given up, by reason (each is a dead letter). */
  deadLettered: Partial<Record<DeadLetterReason, number>>;
}

/**
 * Consumes events from the deployment's stream, exactly once in effect: each event is handled in a
 * transaction that also records its id in `processed_events`, so a redelivery (after a crash, a
 * relay retry, a lost ack, a replayed dead letter) finds the mark and is only acknowledged.
 *
 * One durable JetStream consumer per entity (`<name>-<entity>`, filtered on `evt.<entity>.>`): the
 * events of one entity arrive in order, and events of entities nobody here handles are never sent.
 *
 * An event it cannot handle (a body that is not JSON or is gone, a major version it has no handler
 * for, a payload even the tolerant reader refuses, a handler's refusal, a handler failing on every
 * delivery allowed) becomes a dead letter (dead-letters.ts) before it is given up: none is dropped.
 */
export class EventConsumer {
  readonly #options: EventConsumerOptions;
  readonly #bodies: BodyStore;
  /** Handlers by subject, then by major version. */
  readonly #subscriptions = new Map<string, Map<number, Subscription>>();
  readonly #running: { messages: ConsumerMessages; loop: Promise<void>; unwatch: () => void }[] = [];
  readonly #deadLetters: DeadLetters;
  readonly #maxDeliveries: number;
  readonly #retryDelayMs: number;
  readonly #figures: ConsumerFigures;

  constructor(options: EventConsumerOptions) {
    this.#options = options;
    this.#bodies = new BodyStore(options.nc, options.prefix, "events");
    this.#deadLetters = new DeadLetters(options.nc, options.prefix);
    this.#maxDeliveries = options.maxDeliveries ?? 10;
    this.#retryDelayMs = options.retryDelayMs ?? 1_000;
    this.#figures = { consumer: options.name, handled: 0, deadLettered: {} };
  }

  /** Events handled and dead-lettered since start (the dead letters themselves: `npm run dead-letters`). */
  stats(): ConsumerFigures {
    return { ...this.#figures, deadLettered: { ...this.#figures.deadLettered } };
  }

  /**
   * Handles events of `type`'s major version, whatever their minor. Register the type of each major
   * to handle several (a breaking change's upgrade window: docs/development.md).
   */
  on<E extends EventType>(type: E, handle: EventHandler<E>): this {
    const subject = `${this.#options.prefix}.${eventSubject(type)}`;
    const { major } = parseEventVersion(type.version)!;
    const byMajor = this.#subscriptions.get(subject) ?? new Map<number, Subscription>();
    if (byMajor.has(major)) throw new Error(`${this.#options.name} already handles ${type.name} ${major}.x`);
    byMajor.set(major, { type, handle: handle as EventHandler<EventType> });
    this.#subscriptions.set(subject, byMajor);
    return this;
  }

  async start(): Promise<void> {
    const { nc, prefix, name } = this.#options;
    const stream = eventStreamName(prefix);
    const jsm = await jetstreamManager(nc);
    await this.#deadLetters.ensureStream();
    observeConsumerStarted(name, Object.keys(deadLetterReasons));
    const entities = new Set(
      [...this.#subscriptions.values()].flatMap((byMajor) =>
        [...byMajor.values()].map(({ type }) => type.name.split(".")[0]!),
      ),
    );
    // The NATS server lets a consumer read only what the permissions table grants it: say so here,
    // by name, rather than as a permission violation on the bus.
    const granted = eventReaders.find((reader) => reader.consumer === name)?.entities ?? [];
    const missing = [...entities].filter((entity) => !granted.includes(entity));
    if (missing.length > 0)
      this.#options.log.warn(
        { consumer: name, entities: missing },
        "this consumer reads entities the bus permissions table (contracts bus-permissions.ts, eventReaders) does not grant it: an authenticated NATS will refuse them",
      );
    for (const entity of entities) {
      const durable = `${name}-${entity}`;
      const config = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        // One filter subject per consumer: `filter_subjects` needs NATS 2.10 and Debian ships 2.9.
        filter_subject: `${prefix}.evt.${entity}.>`,
        ack_wait: nanos(30_000),
        max_ack_pending: 1_000,
      };
      const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
      if (existing) await jsm.consumers.update(stream, durable, config);
      else await jsm.consumers.add(stream, config);
      const messages = await (await jetstream(nc).consumers.get(stream, durable)).consume({
        max_messages: 200,
      });
      // Its lag is asked of JetStream when Prometheus scrapes, never while handling an event.
      const unwatch = watchConsumer(
        { consumer: name, entity },
        async () => {
          const info = await jsm.consumers.info(stream, durable);
          return { pending: info.num_pending, ackPending: info.num_ack_pending };
        },
        this.#options.log,
      );
      this.#running.push({ messages, loop: this.#run(messages), unwatch });
    }
  }

  async stop(): Promise<void> {
    for (const { messages, unwatch } of this.#running) {
      unwatch();
      await messages.close();
    }
    await Promise.all(this.#running.map(({ loop }) => loop));
    this.#running.length = 0;
  }

  async #run(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) await this.#handle(message);
  }

  /**
   * Handles the event under a consumer span, the child of the span of the request that recorded it
   * (its trace context travels from the outbox row in the event's headers).
   */
  #handle(message: JsMsg): Promise<void> {
    const event = message.subject.slice(`${this.#options.prefix}.evt.`.length);
    const attributes = {
      "messaging.system": "nats",
      "messaging.destination.name": message.subject,
      "messaging.consumer.group.name": this.#options.name,
    };
    return platformTracer().startActiveSpan(
      `process ${event}`,
      { kind: SpanKind.CONSUMER, attributes },
      extractTraceContext(message.headers),
      async (span) => {
        try {
          await this.#handleMessage(message);
        } finally {
          span.end();
        }
      },
    );
  }

  async #handleMessage(message: JsMsg): Promise<void> {
    const { orm, name, log: rootLog } = this.#options;
    const envelope = readEnvelope(message.headers, `${message.info.stream}:${message.seq}`);
    const { eventId, version, requestId } = envelope;
    const log = rootLog.child({ eventId, subject: message.subject, version, requestId });
    const byMajor = this.#subscriptions.get(message.subject);
    if (!byMajor) {
      // An event of an entity this consumer follows, of a type it does not handle.
      message.ack();
      return;
    }
    const giveUp = (reason: DeadLetterReason, detail: string, body: Uint8Array | undefined) =>
      this.#deadLetter(message, envelope, { reason, detail, body }, log);
    let bytes: Uint8Array;
    try {
      // Every consumer of the event reads a body sent by reference; it expires with the stream.
      bytes = await this.#bodies.read(message, `event ${eventId}`, { consume: false });
    } catch (error) {
      if (error instanceof BodyGone || (error instanceof AppError && error.code === "payload_too_large"))
        return giveUp("unreadable_body", error.message, undefined);
      log.warn({ err: error }, "event body could not be read; will retry");
      message.nak(5_000);
      return;
    }
    const major = parseEventVersion(version)?.major;
    const subscription = major === undefined ? undefined : byMajor.get(major);
    if (!subscription) {
      const handled = [...byMajor.keys()].map((m) => `${m}.x`).join(", ");
      return giveUp("unknown_version", `version ${version}; ${name} reads ${handled}`, bytes);
    }
    let body: unknown;
    try {
      body = JSON.parse(decodeUtf8Strictly(bytes));
    } catch {
      return giveUp("unreadable_body", "the body is not JSON in UTF-8", bytes);
    }
    const parsed = subscription.type.reader.safeParse(body);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error, subscription.type.reader);
      return giveUp(
        "invalid_payload",
        AppError.validation(issues, `${subscription.type.name} event`).message,
        bytes,
      );
    }
    try {
      await orm.em.fork().transactional(async (em) => {
        const marked = await em
          .createQueryBuilder(ProcessedEvent)
          .insert({ consumer: name, eventId, processedAt: new Date() })
          .onConflict(["consumer", "eventId"])
          .ignore()
          .execute("run");
        if (marked.affectedRows === 0) return;
        await subscription.handle(parsed.data, { em, eventId, version, requestId, log });
      });
      this.#figures.handled++;
      observeEventHandled(this.#options.name);
      message.ack();
    } catch (error) {
      const known = error instanceof AppError ? error : classifyDatabaseError(error);
      const deliveries = message.info.deliveryCount;
      // A refusal stays one however often it is retried: give it up now. A lost database or service
      // comes back: retry for as long as it takes. Anything else (a bug) is retried a while.
      const transient = known !== undefined && transientErrorCodes.has(known.code);
      if (known && !transient && known.code !== "internal")
        return giveUp("rejected", `${known.code}: ${known.message}`, bytes);
      if (!transient && deliveries >= this.#maxDeliveries)
        return giveUp(
          "max_deliveries",
          `${deliveries} deliveries, the last failing: ${describe(error)}`,
          bytes,
        );
      const delayMs = Math.min(this.#retryDelayMs * 2 ** Math.min(deliveries, 6), 60_000);
      log.warn({ err: error, deliveryCount: deliveries, delayMs }, "event handling failed; will retry");
      message.nak(delayMs);
    }
  }

  /**
   * Records the event as a dead letter, then gives it up; should recording fail, the event is
   * delivered again later. Never one without the other: no event is dropped silently.
   */
  async #deadLetter(
    message: JsMsg,
    envelope: EventEnvelope,
    failure: { reason: DeadLetterReason; detail: string; body: Uint8Array | undefined },
    log: Logger,
  ): Promise<void> {
    try {
      await this.#deadLetters.record({
        consumer: this.#options.name,
        ...failure,
        subject: message.subject,
        envelope,
        headers: message.headers,
        deliveries: message.info.deliveryCount,
        streamSeq: message.seq,
      });
    } catch (error) {
      log.warn({ err: error, reason: failure.reason }, "the event could not be dead-lettered; will retry");
      message.nak(5_000);
      return;
    }
    this.#figures.deadLettered[failure.reason] = (this.#figures.deadLettered[failure.reason] ?? 0) + 1;
    observeDeadLetter(this.#options.name, failure.reason);
    log.error(
      { consumer: this.#options.name, reason: failure.reason, detail: failure.detail },
      "event dead-lettered: npm run dead-letters lists it and replays it",
    );
    message.term(failure.reason);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
