import { type Action, type Actor, AppError, newId, systemActor } from "@licensing/contracts";
import { changesBetween, type EntityManager, type Orm, queryOne, recordAudit } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { DirectoryEntry, UserView } from "../schemas.ts";
import { SessionEntity, UserEntity, type UserRow } from "./entities.ts";
import {
  assertAcceptablePassword,
  generatePassword,
  hashPassword,
  needsRehash,
  unmatchableHash,
  verifyPassword,
} from "./passwords.ts";
import { lockUsersAndRoles, mayGrant, type Roles } from "./roles.ts";

export const genericSignInFailure = "Wrong username or password";

/** The user as the API shows it (never the hash). */
export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    roles: row.roles,
    disabled: row.disabled,
    mustChangePassword: row.mustChangePassword,
    lastSignInAt: row.lastSignInAt ? row.lastSignInAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The operator as the services see them: with every action their roles allow (custom ones
 * included), resolved here and signed with them in the actor assertion (contracts' actorMay).
 */
export function actorOf(row: UserRow, actions: readonly Action[]): Actor {
  return { id: row.id, username: row.username, roles: row.roles, actions: [...actions] };
}

/** How users are keyed (and sign-in looks them up): trimmed, lower case. */
export const usernameKey = (username: string) => username.trim().toLowerCase();

/**
 * The rules a new password of one's own must meet (400 naming `newPassword`). They need no secret,
 * so they are checked before an attempt on the current password is counted.
 */
export function checkNewPassword(username: string, currentPassword: string, newPassword: string): void {
  assertAcceptablePassword(newPassword, username, "newPassword");
  if (newPassword === currentPassword)
    throw AppError.validation([{ path: "newPassword", message: "must differ from the current password" }]);
}

/** Who did a change to users, under which request, for the audit log. */
export interface AuditedBy {
  actor: Pick<Actor, "id" | "username">;
  requestId: string | null;
  reason?: string;
}

/** The actor of a sign-in attempt that did not sign anyone in. */
const anonymous = (typed: string) => ({ id: "anonymous", username: typed.trim().slice(0, 200) || "(empty)" });

/** The user rules: who exists, with which roles, and how passwords and superadmins are kept safe. */
export class Users {
  readonly #orm: Orm;
  readonly #now: () => Date;
  readonly #roles: Roles;

  constructor(orm: Orm, now: () => Date, roles: Roles) {
    this.#orm = orm;
    this.#now = now;
    this.#roles = roles;
  }

  /**
   * Creates the first superadmin when there is no user at all. With no configured password one is
   * generated, returned (for the log, once) and must be changed at first sign-in. Replicas starting
   * together create one.
   */
  async ensureFirstSuperadmin(
    username: string,
    configuredPassword: string | undefined,
  ): Promise<{ username: string; generatedPassword?: string } | undefined> {
    return this.#inLock(async (em) => {
      if ((await em.count(UserEntity, {})) > 0) return undefined;
      const password = configuredPassword ?? generatePassword();
      if (configuredPassword) assertAcceptablePassword(password, username, "GATEWAY_ADMIN_PASSWORD");
      const row = em.create(UserEntity, {
        id: newId("user"),
        username: username.trim(),
        usernameKey: usernameKey(username),
        roles: ["superadmin"],
        passwordHash: await hashPassword(password),
        disabled: false,
        mustChangePassword: configuredPassword === undefined,
        lastSignInAt: null,
      });
      await em.flush();
      await recordAudit(em, {
        action: "user.created",
        entityType: "user",
        entityId: row.id,
        actor: systemActor,
        reason: "the first superadmin, made at start",
        changes: { username: [null, row.username], roles: [null, row.roles] },
      });
      return configuredPassword ? { username } : { username, generatedPassword: password };
    });
  }

  /**
   * The user with these credentials, or one generic `unauthorized` whatever was wrong (unknown user,
   * wrong password, disabled), after the same work in every case.
   */
  async authenticate(username: string, password: string, requestId: string | null = null): Promise<UserRow> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(UserEntity, { usernameKey: usernameKey(username) });
    const matches = await verifyPassword(password, row?.passwordHash ?? unmatchableHash);
    if (!row || !matches || row.disabled) {
      // The audit log says why (the caller gets one generic answer); never the password tried.
      await this.signInRefused(
        username,
        requestId,
        !row ? "unknown user" : row.disabled ? "user disabled" : "wrong password",
        row?.id,
      );
      throw new AppError("unauthorized", genericSignInFailure);
    }
    if (needsRehash(row.passwordHash)) row.passwordHash = await hashPassword(password);
    row.lastSignInAt = this.#now();
    await em.transactional(async (tx) => {
      await tx.flush();
      await recordAudit(tx, {
        action: "user.signed-in",
        entityType: "user",
        entityId: row.id,
        actor: row,
        ctx: { requestId },
      });
    });
    return row;
  }

  /** Records a sign-out (the session is already ended). */
  async signedOut(user: Pick<UserRow, "id" | "username">, requestId: string | null): Promise<void> {
    await recordAudit(this.#orm.em.fork(), {
      action: "user.signed-out",
      entityType: "user",
      entityId: user.id,
      actor: user,
      ctx: { requestId },
    });
  }

  /** Records a sign-in that did not happen: its own entry, committed at once (nothing else changed). */
  async signInRefused(
    username: string,
    requestId: string | null,
    reason: string,
    userId?: string,
  ): Promise<void> {
    await recordAudit(this.#orm.em.fork(), {
      action: "user.sign-in-failed",
      entityType: "user",
      entityId: userId ?? null,
      actor: anonymous(username),
      ctx: { requestId },
      reason,
    });
  }

  /**
   * The users a license can name as its creator: active ones only, id and username (no roles, no
   * dates), by username; `q` a case-insensitive part of the username.
   */
  async directory(filter: { q?: string | undefined; limit: number }): Promise<DirectoryEntry[]> {
    const q = filter.q?.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    const where = { disabled: false, ...(q && { usernameKey: { $like: `%${q}%` } }) };
    const rows = await this.#orm.em.fork().find(UserEntity, where, {
      orderBy: { usernameKey: "asc" },
      limit: filter.limit,
      fields: ["id", "username"],
    });
    return rows.map((row) => ({ id: row.id, username: row.username }));
  }

  async list(): Promise<UserView[]> {
    const rows = await this.#orm.em.fork().find(UserEntity, {}, { orderBy: { usernameKey: "asc" } });
    return rows.map(toUserView);
  }

  async create(
    request: {
      username: string;
      roles: string[];
      password?: string | undefined;
    },
    by: AuditedBy & { actor: Actor },
  ): Promise<{ user: UserView; temporaryPassword?: string }> {
    const generated = request.password === undefined ? generatePassword() : undefined;
    const password = request.password ?? generated!;
    assertAcceptablePassword(password, request.username, "password");
    const passwordHash = await hashPassword(password);
    try {
      const row = await this.#inLock(async (em) => {
        await this.#checkRoles(em, request.roles, [], by.actor);
        const created = em.create(UserEntity, {
          id: newId("user"),
          username: request.username,
          usernameKey: usernameKey(request.username),
          roles: request.roles,
          passwordHash,
          disabled: false,
          // Whoever created the user knows the password; the user replaces it at first sign-in.
          mustChangePassword: true,
          lastSignInAt: null,
        });
        await em.flush();
        await recordAudit(em, {
          action: "user.created",
          entityType: "user",
          entityId: created.id,
          actor: { id: by.actor.id, username: by.actor.username },
          ctx: { requestId: by.requestId },
          changes: { username: [null, created.username], roles: [null, created.roles] },
        });
        return created;
      });
      return generated ? { user: toUserView(row), temporaryPassword: generated } : { user: toUserView(row) };
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AppError("already_exists", `A user named ${request.username} already exists`, {
          issues: [{ path: "username", message: "is taken (user names ignore case)" }],
        });
      throw error;
    }
  }

  /**
   * Changes roles or the disabled flag. A superadmin cannot lock themselves out, and the last active
   * superadmin cannot be demoted or disabled. Disabling ends the user's sessions.
   */
  async update(
    id: string,
    change: { roles?: string[] | undefined; disabled?: boolean | undefined },
    actor: Actor,
    requestId: string | null = null,
  ): Promise<UserView> {
    return this.#inLock(async (em) => {
      const row = await em.findOne(UserEntity, { id });
      if (!row) throw AppError.notFound("User", id);
      const roles = change.roles ?? row.roles;
      if (change.roles) await this.#checkRoles(em, roles, row.roles, actor);
      const disabled = change.disabled ?? row.disabled;
      const wasActiveSuperadmin = row.roles.includes("superadmin") && !row.disabled;
      const staysActiveSuperadmin = roles.includes("superadmin") && !disabled;
      if (row.id === actor.id && disabled)
        throw new AppError("invalid_state", "You cannot disable your own account");
      if (row.id === actor.id && wasActiveSuperadmin && !staysActiveSuperadmin)
        throw new AppError("invalid_state", "You cannot remove your own superadmin role");
      if (wasActiveSuperadmin && !staysActiveSuperadmin && (await activeSuperadmins(em)) <= 1)
        throw new AppError("invalid_state", `${row.username} is the last active superadmin`);
      const before = { roles: row.roles, disabled: row.disabled };
      row.roles = roles;
      row.disabled = disabled;
      if (disabled) await em.nativeDelete(SessionEntity, { userId: row.id });
      await em.flush();
      const changes = changesBetween(before, { roles: row.roles, disabled: row.disabled });
      if (Object.keys(changes).length > 0)
        await recordAudit(em, {
          action: changes.disabled ? (disabled ? "user.disabled" : "user.enabled") : "user.updated",
          entityType: "user",
          entityId: row.id,
          actor,
          ctx: { requestId },
          changes,
        });
      return toUserView(row);
    });
  }

  /** A new temporary password for `id`, to be changed at next sign-in; the user's sessions end. */
  async resetPassword(id: string, by: AuditedBy, keepSession?: string): Promise<string> {
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    await this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(UserEntity, { id });
      if (!row) throw AppError.notFound("User", id);
      row.passwordHash = passwordHash;
      row.mustChangePassword = true;
      await endSessions(em, row.id, keepSession);
      await recordAudit(em, {
        action: "user.password-reset",
        entityType: "user",
        entityId: row.id,
        actor: by.actor,
        ctx: { requestId: by.requestId },
        reason: by.reason,
      });
    });
    return password;
  }

  /**
   * The recovery of a lost password from the server (`npm run users -- reset-password`): as
   * resetPassword, found by user name, every session of theirs ended.
   */
  async resetPasswordOf(
    username: string,
    by: AuditedBy,
  ): Promise<{ user: UserView; temporaryPassword: string }> {
    const row = await this.#orm.em.fork().findOne(UserEntity, { usernameKey: usernameKey(username) });
    if (!row) throw AppError.notFound("User", username);
    const temporaryPassword = await this.resetPassword(row.id, by);
    return { user: toUserView({ ...row, mustChangePassword: true }), temporaryPassword };
  }

  /**
   * The user's own change: the new password's rules first (they need no secret), then the current
   * password (wrong: 400 naming `currentPassword`); ends the user's other sessions.
   */
  async changePassword(
    id: string,
    currentPassword: string,
    newPassword: string,
    keepSession: string,
    requestId: string | null = null,
  ): Promise<void> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(UserEntity, { id });
    if (!row) throw AppError.notFound("User", id);
    checkNewPassword(row.username, currentPassword, newPassword);
    // Not 401: the session is fine, only the confirmation is wrong (a 401 would sign the UI out).
    if (!(await verifyPassword(currentPassword, row.passwordHash)))
      throw AppError.validation([{ path: "currentPassword", message: "is not your current password" }]);
    const passwordHash = await hashPassword(newPassword);
    await em.transactional(async (tx) => {
      const fresh = await tx.findOneOrFail(UserEntity, { id });
      fresh.passwordHash = passwordHash;
      fresh.mustChangePassword = false;
      await endSessions(tx, id, keepSession);
      await recordAudit(tx, {
        action: "user.password-changed",
        entityType: "user",
        entityId: id,
        actor: fresh,
        ctx: { requestId },
      });
    });
  }

  /**
   * The roles given must exist (400 naming `roles.<i>`), and those not held before must allow
   * nothing the giver's own roles do not (403).
   */
  async #checkRoles(em: EntityManager, roles: string[], before: string[], actor: Actor): Promise<void> {
    await this.#roles.checkAssignable(em, roles);
    const added = roles.filter((role) => !before.includes(role));
    mayGrant(actor, await this.#roles.actionsOf(added, em));
  }

  /**
   * Serializes the changes that count superadmins, so two of them cannot demote each other at once,
   * and those that give roles with the deletion of a role.
   */
  #inLock<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.#orm.em.fork().transactional(async (em) => {
      await lockUsersAndRoles(em);
      return work(em);
    });
  }
}

async function activeSuperadmins(em: EntityManager): Promise<number> {
  const row = await queryOne<{ count: string }>(
    em,
    `select count(*) as count from gateway.users where roles @> '["superadmin"]' and not disabled`,
  );
  return Number(row?.count ?? 0);
}

async function endSessions(em: EntityManager, userId: string, keep: string | undefined): Promise<void> {
  await em.nativeDelete(
    SessionEntity,
    keep === undefined ? { userId } : { userId, tokenHash: { $ne: keep } },
  );
}
