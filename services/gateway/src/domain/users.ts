import { type Actor, AppError, newId, type Role } from "@licensing/contracts";
import { type EntityManager, type Orm, query, queryOne } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { UserView } from "../schemas.ts";
import { SessionEntity, UserEntity, type UserRow } from "./entities.ts";
import {
  assertAcceptablePassword,
  generatePassword,
  hashPassword,
  needsRehash,
  unmatchableHash,
  verifyPassword,
} from "./passwords.ts";

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

export function actorOf(row: UserRow): Actor {
  return { id: row.id, username: row.username, roles: row.roles };
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

/** The user rules: who exists, with which roles, and how passwords and superadmins are kept safe. */
export class Users {
  readonly #orm: Orm;
  readonly #now: () => Date;

  constructor(orm: Orm, now: () => Date) {
    this.#orm = orm;
    this.#now = now;
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
      em.create(UserEntity, {
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
      return configuredPassword ? { username } : { username, generatedPassword: password };
    });
  }

  /**
   * The user with these credentials, or one generic `unauthorized` whatever was wrong (unknown user,
   * wrong password, disabled), after the same work in every case.
   */
  async authenticate(username: string, password: string): Promise<UserRow> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(UserEntity, { usernameKey: usernameKey(username) });
    const matches = await verifyPassword(password, row?.passwordHash ?? unmatchableHash);
    if (!row || !matches || row.disabled) throw new AppError("unauthorized", genericSignInFailure);
    if (needsRehash(row.passwordHash)) row.passwordHash = await hashPassword(password);
    row.lastSignInAt = this.#now();
    await em.flush();
    return row;
  }

  async list(): Promise<UserView[]> {
    const rows = await this.#orm.em.fork().find(UserEntity, {}, { orderBy: { usernameKey: "asc" } });
    return rows.map(toUserView);
  }

  async create(request: {
    username: string;
    roles: Role[];
    password?: string | undefined;
  }): Promise<{ user: UserView; temporaryPassword?: string }> {
    const generated = request.password === undefined ? generatePassword() : undefined;
    const password = request.password ?? generated!;
    assertAcceptablePassword(password, request.username, "password");
    const passwordHash = await hashPassword(password);
    try {
      const row = await this.#orm.em.fork().transactional(async (em) => {
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
    change: { roles?: Role[] | undefined; disabled?: boolean | undefined },
    actor: Actor,
  ): Promise<UserView> {
    return this.#inLock(async (em) => {
      const row = await em.findOne(UserEntity, { id });
      if (!row) throw AppError.notFound("User", id);
      const roles = change.roles ?? row.roles;
      const disabled = change.disabled ?? row.disabled;
      const wasActiveSuperadmin = row.roles.includes("superadmin") && !row.disabled;
      const staysActiveSuperadmin = roles.includes("superadmin") && !disabled;
      if (row.id === actor.id && disabled)
        throw new AppError("invalid_state", "You cannot disable your own account");
      if (row.id === actor.id && wasActiveSuperadmin && !staysActiveSuperadmin)
        throw new AppError("invalid_state", "You cannot remove your own superadmin role");
      if (wasActiveSuperadmin && !staysActiveSuperadmin && (await activeSuperadmins(em)) <= 1)
        throw new AppError("invalid_state", `${row.username} is the last active superadmin`);
      row.roles = roles;
      row.disabled = disabled;
      if (disabled) await em.nativeDelete(SessionEntity, { userId: row.id });
      await em.flush();
      return toUserView(row);
    });
  }

  /** A new temporary password for `id`, to be changed at next sign-in; the user's sessions end. */
  async resetPassword(id: string, keepSession?: string): Promise<string> {
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    await this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(UserEntity, { id });
      if (!row) throw AppError.notFound("User", id);
      row.passwordHash = passwordHash;
      row.mustChangePassword = true;
      await endSessions(em, row.id, keepSession);
    });
    return password;
  }

  /**
   * The recovery of a lost password from the server (`npm run users -- reset-password`): as
   * resetPassword, found by user name, every session of theirs ended.
   */
  async resetPasswordOf(username: string): Promise<{ user: UserView; temporaryPassword: string }> {
    const row = await this.#orm.em.fork().findOne(UserEntity, { usernameKey: usernameKey(username) });
    if (!row) throw AppError.notFound("User", username);
    const temporaryPassword = await this.resetPassword(row.id);
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
    });
  }

  /** Serializes the changes that count superadmins, so two of them cannot demote each other at once. */
  #inLock<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.#orm.em.fork().transactional(async (em) => {
      await query(em, "select pg_advisory_xact_lock(hashtext('gateway.users'))");
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
