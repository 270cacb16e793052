import type { Action } from "@licensing/contracts";
import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** An operator who signs in to the UI. */
export const UserEntity = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: p.text().primary(),
    /** As the operator typed it at creation. */
    username: p.text(),
    /** Lower-cased: unique, so `Alice` and `alice` are one user. */
    usernameKey: p.text().unique("users_username_key_key"),
    /** Role names: built-in ones (contracts' permissions.ts) and custom ones (the roles table). */
    roles: p.json<string[]>(),
    /** argon2id, PHC string format. */
    passwordHash: p.text(),
    disabled: p.boolean().default(false),
    mustChangePassword: p.boolean().default(false),
    lastSignInAt: p.datetime().nullable(),
    ...trackedProperties(),
  },
});
export type UserRow = InferEntity<typeof UserEntity>;

/**
 * A signed-in browser. Only a SHA-256 of the session token is stored, so a copy of this table does
 * not let anyone sign in.
 */
export const SessionEntity = defineEntity({
  name: "Session",
  tableName: "sessions",
  properties: {
    tokenHash: p.text().primary(),
    userId: () =>
      p
        .manyToOne(UserEntity)
        .mapToPk()
        .fieldName("user_id")
        .foreignKeyName("sessions_user_id_fkey")
        .deleteRule("cascade")
        .index("sessions_user_id_index"),
    /** The secret the session's CSRF tokens are made from and checked against. */
    csrfSecret: p.text(),
    createdAt: p.datetime(),
    lastSeenAt: p.datetime(),
    /** The absolute end of the session, however active it stays. */
    expiresAt: p.datetime(),
  },
  indexes: [{ name: "sessions_expires_at", properties: ["expiresAt"] }],
});
export type SessionRow = InferEntity<typeof SessionEntity>;

/** A module's activation license, as pasted by a superadmin (the verified facts kept beside it). */
export const ModuleActivationEntity = defineEntity({
  name: "ModuleActivation",
  tableName: "module_activations",
  properties: {
    module: p.text().primary(),
    licenseFile: p.text(),
    licenseId: p.text(),
    ownerCompany: p.text(),
    endDate: p.datetime().nullable(),
    activatedAt: p.datetime(),
    activatedBy: p.text(),
  },
});
export type ModuleActivationRow = InferEntity<typeof ModuleActivationEntity>;

/**
 * The sign-in throttle's counters (sign-in-throttle.ts), shared by every replica: one row per
 * (scope, username, address), `''` where a scope does not use a part. Read and written with SQL.
 */
export const SignInThrottleEntity = defineEntity({
  name: "SignInThrottle",
  tableName: "sign_in_throttle",
  properties: {
    scope: p.enum(["address", "pair", "username"] as const).primary(),
    usernameKey: p.text().primary(),
    address: p.text().primary(),
    failures: p.double().default(0),
    updatedAt: p.datetime(),
    blockedUntil: p.datetime(),
    lastSuccessAt: p.datetime().nullable(),
  },
  indexes: [{ name: "sign_in_throttle_updated_at", properties: ["updatedAt"] }],
});

/**
 * A custom role, defined by a superadmin: a name no built-in role has, and the actions it allows
 * (contracts' permissions.ts joins it to the built-in table). Users hold it by name, in users.roles.
 */
export const CustomRoleEntity = defineEntity({
  name: "CustomRole",
  tableName: "custom_roles",
  properties: {
    name: p.text().primary(),
    description: p.text(),
    actions: p.json<Action[]>(),
    ...trackedProperties(),
  },
});
export type CustomRoleRow = InferEntity<typeof CustomRoleEntity>;

/** The tables whose filters an operator can save under a name (the URL's query string). */
export const savedViewTables = ["licenses", "accounts"] as const;

/**
 * A named set of filters of one table, one operator's own: the table's query string as the URL
 * carries it. Names are unique per user and table whatever their case (`name_key`, lower-cased).
 */
export const SavedViewEntity = defineEntity({
  name: "SavedView",
  tableName: "saved_views",
  properties: {
    id: p.text().primary(),
    userId: () =>
      p
        .manyToOne(UserEntity)
        .mapToPk()
        .fieldName("user_id")
        .foreignKeyName("saved_views_user_id_fkey")
        .deleteRule("cascade"),
    tableName: p.enum(savedViewTables).fieldName("table_name"),
    name: p.text(),
    nameKey: p.text(),
    query: p.text(),
    createdAt: p.datetime(),
  },
  uniques: [{ name: "saved_views_user_table_name_key", properties: ["userId", "tableName", "nameKey"] }],
});
export type SavedViewRow = InferEntity<typeof SavedViewEntity>;

export const gatewayEntities = [
  UserEntity,
  SessionEntity,
  ModuleActivationEntity,
  SignInThrottleEntity,
  CustomRoleEntity,
  SavedViewEntity,
];
