import { catalog } from "./catalog.ts";
import type { Endpoint } from "./endpoint.ts";

/** Every endpoint on the bus, for tools that list or look them up (bus CLI, API docs). */
export const allEndpoints: readonly Endpoint[] = [...Object.values(catalog)];
