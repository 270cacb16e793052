import { createHash, randomBytes } from "node:crypto";
import Tokens from "@fastify/csrf";
import type { Action } from "@licensing/contracts";
import type { Orm } from "@licensing/platform";
import { SessionEntity, type SessionRow, UserEntity, type UserRow } from "./entities.ts";
import type { Roles } from "./roles.ts";

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however active. */
  maxAgeMs: number;
}

export interface ActiveSession {
  session: SessionRow;
  user: UserRow;
  /** Every action the user's roles allow now (custom roles as they are defined now). */
  actions: Action[];
}

// Writing last-seen on every request would make every read a write; once a minute is enough for
// an idle timeout counted in hours.
const touchEveryMs = 60_000;

/** SHA-256 of a session token: what the table keys sessions by. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Server-side sessions: the browser holds a random token in a cookie, the table holds its hash, the
 * user id, the CSRF secret and the two deadlines (idle, sliding; absolute).
 */
export class Sessions {
  readonly #orm: Orm;
  readonly #policy: SessionPolicy;
  readonly #now: () => Date;
  readonly #csrf = Tokens();
  readonly #roles: Roles;

  constructor(orm: Orm, policy: SessionPolicy, now: () => Date, roles: Roles) {
    this.#orm = orm;
    this.#policy = policy;
    this.#now = now;
    this.#roles = roles;
  }

  get policy(): SessionPolicy {
    return this.#policy;
  }

  /** A new session for `userId`; returns the token for the cookie (never stored). */
  async create(userId: string): Promise<{ token: string; session: SessionRow }> {
    const token = randomBytes(32).toString("base64url");
    const now = this.#now();
    const em = this.#orm.em.fork();
    const session = em.create(SessionEntity, {
      tokenHash: tokenHash(token),
      userId,
      csrfSecret: this.#csrf.secretSync(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.#policy.maxAgeMs),
    });
    await em.flush();
    return { token, session };
  }

  /**
   * The live session of `token`, its (enabled) user and what their roles allow, else undefined;
   * extends the idle deadline. The roles are resolved on every request, so a change of a user's
   * roles or of a custom role holds from the next one.
   */
  async resume(token: string): Promise<ActiveSession | undefined> {
    const em = this.#orm.em.fork();
    const session = await em.findOne(SessionEntity, { tokenHash: tokenHash(token) });
    if (!session) return undefined;
    const now = this.#now();
    if (this.#expired(session, now)) {
      await em.nativeDelete(SessionEntity, { tokenHash: session.tokenHash });
      return undefined;
    }
    const user = await em.findOne(UserEntity, { id: session.userId });
    if (!user || user.disabled) return undefined;
    if (now.getTime() - session.lastSeenAt.getTime() > touchEveryMs) {
      session.lastSeenAt = now;
      await em.flush();
    }
    return { session, user, actions: await this.#roles.actionsOf(user.roles, em) };
  }

  async end(hash: string): Promise<void> {
    await this.#orm.em.fork().nativeDelete(SessionEntity, { tokenHash: hash });
  }

  /** Deletes the sessions that have ended; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#now();
    return this.#orm.em.fork().nativeDelete(SessionEntity, {
      $or: [
        { expiresAt: { $lte: now } },
        { lastSeenAt: { $lte: new Date(now.getTime() - this.#policy.idleMs) } },
      ],
    });
  }

  /** A CSRF token of the session (each call a fresh one; all stay valid while the session lasts). */
  csrfToken(session: SessionRow): string {
    return this.#csrf.create(session.csrfSecret);
  }

  checkCsrf(session: SessionRow, token: string | undefined): boolean {
    return typeof token === "string" && token.length > 0 && this.#csrf.verify(session.csrfSecret, token);
  }

  /** When the cookie should expire in the browser: the session's absolute end. */
  cookieMaxAgeSeconds(session: SessionRow): number {
    return Math.max(0, Math.floor((session.expiresAt.getTime() - this.#now().getTime()) / 1000));
  }

  #expired(session: SessionRow, now: Date): boolean {
    return (
      session.expiresAt.getTime() <= now.getTime() ||
      now.getTime() - session.lastSeenAt.getTime() >= this.#policy.idleMs
    );
  }
}
