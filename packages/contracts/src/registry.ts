import { audit } from "./audit.ts";
import { catalog, catalogEvents } from "./catalog.ts";
import { distribution } from "./distribution.ts";
import type { Endpoint } from "./endpoint.ts";
import type { EventType } from "./event.ts";
import { issuer, issuerEvents } from "./issuer.ts";
import { migration } from "./migration.ts";
import { mailCatcher, notifier } from "./notifier.ts";

/** Every endpoint on the bus, for tools that list or look them up (bus CLI, API docs, snapshot). */
export const allEndpoints: readonly Endpoint[] = [
  ...Object.values(catalog),
  ...Object.values(issuer),
  ...Object.values(distribution),
  ...Object.values(notifier),
  ...Object.values(migration),
  ...Object.values(mailCatcher),
  ...Object.values(audit),
];

/** Every event type a service writes (the contract snapshot lists them). */
export const allEvents: readonly EventType[] = [
  ...Object.values(catalogEvents),
  ...Object.values(issuerEvents),
];
