import { catalog } from "./catalog.ts";
import type { Endpoint } from "./endpoint.ts";
import { issuer } from "./issuer.ts";

/** Every endpoint on the bus, for tools that list or look them up (bus CLI, API docs). */
export const allEndpoints: readonly Endpoint[] = [...Object.values(catalog), ...Object.values(issuer)];
