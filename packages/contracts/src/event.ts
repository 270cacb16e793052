import type { z } from "zod";
import { type Tolerant, tolerant } from "./tolerant.ts";

/**
 * An event type's schema version, `<major>.<minor>`. A compatible change of the payload (a member
 * added as optional, an enum value added) bumps the minor; a reader accepts every minor of the
 * majors it handles. Anything else is a new major, which readers must learn before writers send it
 * (docs/development.md, "Contracts that evolve").
 */
export type EventVersion = `${number}.${number}`;

/** One event type: published as `<prefix>.evt.<name>` (e.g. `lic.evt.account.created`). */
export interface EventType<P extends z.ZodType = z.ZodType> {
  /** `entity.past-tense`, e.g. `account.created`. */
  name: string;
  /** The version writers of this release stamp on the event (`Lic-Event-Version`). */
  version: EventVersion;
  /** What a writer records: checked strictly before the event is written. */
  payload: P;
  /** What a reader parses with: the payload schema made tolerant (tolerant.ts), derived once. */
  reader: z.ZodType<Tolerant<z.output<P>>>;
}

export interface EventOptions {
  /** `<major>.<minor>`; `1.0` when not given. */
  version?: EventVersion;
}

export function defineEvent<P extends z.ZodType>(
  name: string,
  payload: P,
  options: EventOptions = {},
): EventType<P> {
  const version = options.version ?? "1.0";
  if (!parseEventVersion(version)) throw new Error(`${name}: version ${version} is not <major>.<minor>`);
  return { name, version, payload, reader: tolerant(payload) };
}

/** What a writer records. */
export type EventPayload<E extends EventType> = z.output<E["payload"]>;
/** What a handler receives: the payload as a tolerant reader parsed it (unknown enum values kept). */
export type ReceivedPayload<E extends EventType> = z.output<E["reader"]>;

/** Subject of an event type below the deployment prefix. */
export function eventSubject(event: EventType | string): string {
  return `evt.${typeof event === "string" ? event : event.name}`;
}

/** NATS headers of an event's envelope, set by the outbox relay and read by consumers. */
export const eventHeaders = {
  /** The outbox id: consumers deduplicate on it, whoever published the message (relay or replay). */
  id: "Lic-Event-Id",
  /** The writer's `<major>.<minor>`; absent on events published before versions existed (`1.0`). */
  version: "Lic-Event-Version",
} as const;

/** `{ major, minor }` of a version text, or undefined when it is not `<major>.<minor>`. */
export function parseEventVersion(text: string): { major: number; minor: number } | undefined {
  const match = /^(\d{1,6})\.(\d{1,6})$/.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}
