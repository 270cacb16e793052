import { auditLogMigration } from "@licensing/platform";
import { Notifier } from "./0001_notifier.ts";
import { RunSchedule } from "./0002_run_schedule.ts";

/**
 * Every migration of the notifier schema, in order: written by hand up to 0002_run_schedule,
 * generated from the entities since (`npm run db -w services/notifier -- create <name>`). Applied
 * at start; never edit one that has shipped.
 */
export const migrations = [
  { name: "0001_notifier", class: Notifier },
  { name: "0002_run_schedule", class: RunSchedule },
  auditLogMigration,
];
