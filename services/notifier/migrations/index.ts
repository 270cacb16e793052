import { Notifier } from "./0001_notifier.ts";
import { RunSchedule } from "./0002_run_schedule.ts";

/** Every migration of the notifier schema, in order. Applied at start; never edit one that has shipped. */
export const migrations = [
  { name: "0001_notifier", class: Notifier },
  { name: "0002_run_schedule", class: RunSchedule },
];
