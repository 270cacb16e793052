import type { Role } from "@licensing/contracts";
import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** An operator who signs in to the UI. */
export const UserEntity = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: p.string().primary(),
    /** As the operator typed it at creation. */
    username: p.string(),
    /** Lower-cased: unique, so `Alice` and `alice` are one user. */
    usernameKey: p.string().unique(),
    roles: p.json<Role[]>(),
    /** argon2id, PHC string format. */
    passwordHash: p.string(),
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
    tokenHash: p.string().primary(),
    userId: p.string().index(),
    /** The secret the session's CSRF tokens are made from and checked against. */
    csrfSecret: p.string(),
    createdAt: p.datetime(),
    lastSeenAt: p.datetime(),
    /** The absolute end of the session, however active it stays. */
    expiresAt: p.datetime(),
  },
});
export type SessionRow = InferEntity<typeof SessionEntity>;

/** A module's activation license, as pasted by a superadmin (the verified facts kept beside it). */
export const ModuleActivationEntity = defineEntity({
  name: "ModuleActivation",
  tableName: "module_activations",
  properties: {
    module: p.string().primary(),
    licenseFile: p.text(),
    licenseId: p.string(),
    ownerCompany: p.string(),
    endDate: p.datetime().nullable(),
    activatedAt: p.datetime(),
    activatedBy: p.string(),
  },
});
export type ModuleActivationRow = InferEntity<typeof ModuleActivationEntity>;

export const gatewayEntities = [UserEntity, SessionEntity, ModuleActivationEntity];
