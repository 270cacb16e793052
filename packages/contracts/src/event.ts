import type { z } from "zod";

/** One event type: published as `<prefix>.evt.<name>` (e.g. `lic.evt.account.created`). */
export interface EventType<P extends z.ZodType = z.ZodType> {
  /** `entity.past-tense`, e.g. `account.created`. */
  name: string;
  payload: P;
}

export function defineEvent<P extends z.ZodType>(name: string, payload: P): EventType<P> {
  return { name, payload };
}

export type EventPayload<E extends EventType> = z.output<E["payload"]>;

/** Subject of an event type below the deployment prefix. */
export function eventSubject(event: EventType | string): string {
  return `evt.${typeof event === "string" ? event : event.name}`;
}
