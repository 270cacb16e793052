import { BodyGone, BodyStore } from "@licensing/bus";
import { type EventType, eventSubject, parseEventVersion, type ReceivedPayload } from "@licensing/contracts";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { EntityManager, Orm } from "./database.ts";
import { readEnvelope } from "./event-envelope.ts";
import { eventStreamName } from "./event-stream.ts";
import { ProcessedEvent } from "./outbox.ts";

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
 * dropped, enum values it added are kept), so the handler decides what an unknown value means.
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
}

/**
 * Consumes events from the deployment's stream, exactly once in effect: each event is handled in a
 * transaction that also records its id in `processed_events`, so a redelivery (after a crash, a
 * relay retry, a lost ack) finds the mark and is only acknowledged.
 *
 * One durable JetStream consumer per entity (`<name>-<entity>`, filtered on `evt.<entity>.>`): the
 * events of one entity arrive in order, and events of entities nobody here handles are never sent.
 */
export class EventConsumer {
  readonly #options: EventConsumerOptions;
  readonly #bodies: BodyStore;
  /** Handlers by subject, then by major version. */
  readonly #subscriptions = new Map<string, Map<number, Subscription>>();
  readonly #running: { messages: ConsumerMessages; loop: Promise<void> }[] = [];

  constructor(options: EventConsumerOptions) {
    this.#options = options;
    this.#bodies = new BodyStore(options.nc, options.prefix, "events");
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
    const entities = new Set(
      [...this.#subscriptions.values()].flatMap((byMajor) =>
        [...byMajor.values()].map(({ type }) => type.name.split(".")[0]!),
      ),
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
      this.#running.push({ messages, loop: this.#run(messages) });
    }
  }

  async stop(): Promise<void> {
    for (const { messages } of this.#running) await messages.close();
    await Promise.all(this.#running.map(({ loop }) => loop));
    this.#running.length = 0;
  }

  async #run(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) await this.#handle(message);
  }

  async #handle(message: JsMsg): Promise<void> {
    const { orm, name, log: rootLog } = this.#options;
    const { eventId, version, requestId } = readEnvelope(
      message.headers,
      `${message.info.stream}:${message.seq}`,
    );
    const log = rootLog.child({ eventId, subject: message.subject, version, requestId });
    const byMajor = this.#subscriptions.get(message.subject);
    if (!byMajor) {
      // An event of an entity this consumer follows, of a type it does not handle.
      message.ack();
      return;
    }
    const major = parseEventVersion(version)?.major;
    const subscription = major === undefined ? undefined : byMajor.get(major);
    if (!subscription) {
      log.error(
        { handled: [...byMajor.keys()] },
        "event of a major version this consumer does not read; dropped",
      );
      message.term();
      return;
    }
    let body: unknown;
    try {
      // Every consumer of the event reads a body sent by reference; it expires with the stream.
      body = await this.#bodies.readJson(message, `event ${eventId}`, { consume: false });
    } catch (error) {
      if (error instanceof SyntaxError) body = undefined;
      else if (error instanceof BodyGone) {
        log.error({ err: error }, "event body expired before it was handled; dropped");
        message.term();
        return;
      } else {
        log.warn({ err: error }, "event body could not be read; will retry");
        message.nak(5_000);
        return;
      }
    }
    const parsed = subscription.type.reader.safeParse(body);
    if (!parsed.success) {
      log.error({ issues: parsed.error.issues }, "event payload does not match its schema; dropped");
      message.term();
      return;
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
      message.ack();
    } catch (error) {
      const delayMs = Math.min(1_000 * 2 ** Math.min(message.info.deliveryCount, 6), 60_000);
      log.warn(
        { err: error, deliveryCount: message.info.deliveryCount, delayMs },
        "event handling failed; will retry",
      );
      message.nak(delayMs);
    }
  }
}
