import { Notifier } from "./0001_notifier.ts";

/** Every migration of the notifier schema, in order. Applied at start; never edit one that has shipped. */
export const migrations = [{ name: "0001_notifier", class: Notifier }];
