import { eventTablesMigration } from "@licensing/platform";
import { Licenses } from "./0001_licenses.ts";

/** Every migration of the issuer schema, in order. Applied at start; never edit one that has shipped. */
export const migrations = [eventTablesMigration, { name: "0001_licenses", class: Licenses }];
