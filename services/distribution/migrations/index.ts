import { eventTablesMigration } from "@licensing/platform";
import { Distribution } from "./0001_distribution.ts";

/**
 * Every migration of the distribution schema, in order: written by hand up to 0001_distribution,
 * generated from the entities since (`npm run db -w services/distribution -- create <name>`).
 * Applied at start; never edit one that has shipped.
 */
export const migrations = [eventTablesMigration, { name: "0001_distribution", class: Distribution }];
