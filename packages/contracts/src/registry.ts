import { audit } from "./audit.ts";
import type { BusIdentity } from "./bus-actors.ts";
import { busPermissions, type SubjectPermissions } from "./bus-permissions.ts";
import { catalog, catalogEvents } from "./catalog.ts";
import { delegation } from "./delegation.ts";
import { distribution } from "./distribution.ts";
import type { Endpoint } from "./endpoint.ts";
import type { EventType } from "./event.ts";
import { issuer, issuerEvents } from "./issuer.ts";
import { migration } from "./migration.ts";
import { mailCatcher, notifier } from "./notifier.ts";
import { releaseEvents, releases } from "./releases.ts";

/** Every endpoint on the bus, for tools that list or look them up (bus CLI, API docs, snapshot). */
export const allEndpoints: readonly Endpoint[] = [
  ...Object.values(catalog),
  ...Object.values(releases),
  ...Object.values(issuer),
  ...Object.values(distribution),
  ...Object.values(delegation),
  ...Object.values(notifier),
  ...Object.values(migration),
  ...Object.values(mailCatcher),
  ...Object.values(audit),
];

/** Every event type a service writes, with the one service that may publish it. */
export const eventPublishers: readonly { publisher: BusIdentity; event: EventType }[] = [
  ...Object.values(catalogEvents).map((event) => ({ publisher: "catalog" as const, event })),
  ...Object.values(releaseEvents).map((event) => ({ publisher: "catalog" as const, event })),
  ...Object.values(issuerEvents).map((event) => ({ publisher: "issuer" as const, event })),
];

/** Every event type a service writes (the contract snapshot lists them). */
export const allEvents: readonly EventType[] = eventPublishers.map(({ event }) => event);

/** The platform's subject permissions for the deployment of `prefix` (bus-permissions.ts). */
export function platformBusPermissions(prefix: string): Record<BusIdentity, SubjectPermissions> {
  return busPermissions(prefix, allEndpoints, eventPublishers);
}
