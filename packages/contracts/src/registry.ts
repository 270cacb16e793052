import { catalog } from "./catalog.ts";
import { distribution } from "./distribution.ts";
import type { Endpoint } from "./endpoint.ts";
import { issuer } from "./issuer.ts";
import { mailCatcher, notifier } from "./notifier.ts";

/** Every endpoint on the bus, for tools that list or look them up (bus CLI, API docs). */
export const allEndpoints: readonly Endpoint[] = [
  ...Object.values(catalog),
  ...Object.values(issuer),
  ...Object.values(distribution),
  ...Object.values(notifier),
  ...Object.values(mailCatcher),
];
