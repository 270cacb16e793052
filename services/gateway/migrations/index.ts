import { auditLogMigration } from "@licensing/platform";
import { UsersSessionsModules } from "./0001_users_sessions_modules.ts";
import { SignInThrottle } from "./0002_sign_in_throttle.ts";
import { CustomRoles } from "./0003_custom_roles.ts";
import { SavedViews } from "./0004_saved_views.ts";

/**
 * Every migration of the gateway schema, in order: written by hand up to 0002_sign_in_throttle,
 * generated from the entities since (`npm run db -w services/gateway -- create <name>`). Applied at
 * start; never edit one that has shipped. The gateway publishes no events, so it has no outbox
 * tables.
 */
export const migrations = [
  { name: "0001_users_sessions_modules", class: UsersSessionsModules },
  { name: "0002_sign_in_throttle", class: SignInThrottle },
  auditLogMigration,
  { name: "0003_custom_roles", class: CustomRoles },
  { name: "0004_saved_views", class: SavedViews },
];
