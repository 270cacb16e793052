import { type EntityManager, execute, type Orm, query, queryOne } from "@licensing/platform";

/** How one counter of failed attempts slows down the next attempt. */
export interface Backoff {
  /** Failures that cost no wait. */
  free: number;
  /** The wait after the first failure past `free`; each further failure doubles it. */
  firstDelayMs: number;
  /** The longest wait. */
  maxDelayMs: number;
  /** The counter forgets one failure per this long (continuously: half of one in half the time). */
  forgetOneEveryMs: number;
}

/** The sign-in throttle's numbers (docs/gateway.md explains them). */
export interface SignInPolicy {
  /** One username from one client address: what brute-forcing one account from one place meets. */
  pair: Backoff;
  /** One client address, whatever the usernames: one address trying many accounts. */
  address: Backoff;
  /**
   * One username from every address where that user has not signed in lately: a distributed attack
   * on one account. Never a lockout: its longest wait is short, and where the user signed in lately
   * it does not apply at all.
   */
  username: Backoff;
  /** A sign-in from an address exempts that user from the username ceiling there for this long. */
  trustedForMs: number;
}

const second = 1000;
const minute = 60 * second;
const day = 24 * 60 * minute;

export const defaultSignInPolicy: SignInPolicy = {
  pair: { free: 5, firstDelayMs: second, maxDelayMs: 15 * minute, forgetOneEveryMs: 15 * minute },
  address: { free: 20, firstDelayMs: second, maxDelayMs: 15 * minute, forgetOneEveryMs: 5 * minute },
  username: { free: 20, firstDelayMs: second, maxDelayMs: minute, forgetOneEveryMs: minute },
  trustedForMs: 30 * day,
};

export type Scope = "address" | "pair" | "username";
const allScopes: Scope[] = ["address", "pair", "username"];

/** Who is trying: the username as users are keyed (lower case) and the client address's key. */
export interface Attempter {
  usernameKey: string;
  address: string;
}

export interface Counter {
  /** Failures counted as of `updatedAt` (forgetting since then is not applied yet). */
  failures: number;
  updatedAt: Date;
  /** No attempt is admitted before this. */
  blockedUntil: Date;
  /** Scope `pair`: the last time the user proved their password from this address. */
  lastSuccessAt: Date | null;
}

export type Admission =
  | { admitted: true /** The counters that counted it, to be refunded if it succeeds. */; counted: Scope[] }
  | { admitted: false; retryAt: Date };

/** The wait before the next attempt once a counter holds `failures`. */
export function delayAfter(backoff: Backoff, failures: number): number {
  // A failure partly forgotten still counts whole (the epsilon absorbs floating-point dust).
  const counted = Math.ceil(failures - 1e-9);
  if (counted < backoff.free) return 0;
  return Math.min(backoff.maxDelayMs, backoff.firstDelayMs * 2 ** (counted - backoff.free));
}

/** The count at which the wait reaches its longest; counting beyond it would only delay forgetting. */
export function ceilingOf(backoff: Backoff): number {
  return backoff.free + Math.max(0, Math.ceil(Math.log2(backoff.maxDelayMs / backoff.firstDelayMs)));
}

/** The failures a counter still holds at `now`. */
export function remaining(backoff: Backoff, counter: Counter, now: Date): number {
  const forgotten = (now.getTime() - counter.updatedAt.getTime()) / backoff.forgetOneEveryMs;
  return Math.max(0, counter.failures - Math.max(0, forgotten));
}

/**
 * Decides on one attempt: refused while any counter that applies says to wait, else counted by each
 * as a failure at once (before the password is checked), so concurrent attempts cannot slip past a
 * limit while the first ones are still being checked.
 */
export function admit(
  policy: SignInPolicy,
  stored: Record<Scope, Counter>,
  now: Date,
): { admission: Admission; changes: Partial<Record<Scope, Counter>> } {
  // A counter updated "after" now was written before the clock was set back: it is taken as written
  // now (and stored so), its wait kept but never longer than its scope's longest; else the refusals
  // would last as long as the clock went back.
  const counters = { ...stored };
  const changes: Partial<Record<Scope, Counter>> = {};
  for (const scope of allScopes) {
    const counter = counters[scope];
    if (counter.updatedAt.getTime() <= now.getTime()) continue;
    const wait = Math.min(
      Math.max(0, counter.blockedUntil.getTime() - counter.updatedAt.getTime()),
      policy[scope].maxDelayMs,
    );
    counters[scope] = { ...counter, updatedAt: now, blockedUntil: new Date(now.getTime() + wait) };
    changes[scope] = counters[scope];
  }
  const lastSuccess = counters.pair.lastSuccessAt?.getTime();
  const trusted = lastSuccess !== undefined && now.getTime() - lastSuccess < policy.trustedForMs;
  const applying: Scope[] = trusted ? ["address", "pair"] : ["address", "pair", "username"];
  const waits = applying
    .map((scope) => counters[scope].blockedUntil.getTime())
    .filter((until) => until > now.getTime());
  if (waits.length > 0)
    return { admission: { admitted: false, retryAt: new Date(Math.max(...waits)) }, changes };
  for (const scope of applying) {
    const backoff = policy[scope];
    const failures = Math.min(ceilingOf(backoff), remaining(backoff, counters[scope], now) + 1);
    changes[scope] = {
      ...counters[scope],
      failures,
      updatedAt: now,
      blockedUntil: new Date(now.getTime() + delayAfter(backoff, failures)),
    };
  }
  return { admission: { admitted: true, counted: applying }, changes };
}

/**
 * An admitted attempt proved the password: the pair starts afresh (and the address is trusted for
 * this user), the other counters take back the failure they counted, and the wait it set, down to
 * what the failures left call for. Only that: a success does not clear an address or a username of
 * the failures before it (an attacker may hold one account and sign in between guesses).
 */
export function succeed(
  policy: SignInPolicy,
  counters: Record<Scope, Counter>,
  counted: readonly Scope[],
  now: Date,
): Partial<Record<Scope, Counter>> {
  const changes: Partial<Record<Scope, Counter>> = {
    pair: { failures: 0, updatedAt: now, blockedUntil: now, lastSuccessAt: now },
  };
  for (const scope of counted) {
    if (scope === "pair") continue;
    const failures = Math.max(0, remaining(policy[scope], counters[scope], now) - 1);
    const wait = now.getTime() + delayAfter(policy[scope], failures);
    changes[scope] = {
      ...counters[scope],
      failures,
      updatedAt: now,
      blockedUntil: new Date(Math.min(counters[scope].blockedUntil.getTime(), wait)),
    };
  }
  return changes;
}

interface CounterRow {
  scope: Scope;
  failures: number;
  updated_at: Date | string;
  blocked_until: Date | string;
  last_success_at: Date | string | null;
}

const table = "gateway.sign_in_throttle";

/**
 * The counters of sign-in and password attempts, in the gateway's PostgreSQL schema so that every
 * replica sees the same ones. Each decision runs in one transaction that locks the attempter's three
 * rows (address, pair, username: always in that order, so two decisions never deadlock) and writes
 * the outcome before the lock is released: concurrent attempts are decided one after the other.
 */
export class SignInThrottle {
  readonly #orm: Orm;
  readonly #policy: SignInPolicy;
  readonly #now: () => Date;

  constructor(orm: Orm, policy: SignInPolicy, now: () => Date) {
    this.#orm = orm;
    this.#policy = policy;
    this.#now = now;
  }

  get policy(): SignInPolicy {
    return this.#policy;
  }

  /** Admits and counts an attempt by `who`, or says when to come back. */
  admit(who: Attempter): Promise<Admission> {
    return this.#decide(who, (counters, now) => {
      const { admission, changes } = admit(this.#policy, counters, now);
      return { result: admission, changes };
    });
  }

  /** The admitted attempt (which `counted` counted) proved the password. */
  succeeded(who: Attempter, counted: readonly Scope[]): Promise<void> {
    return this.#decide(who, (counters, now) => ({
      result: undefined,
      changes: succeed(this.#policy, counters, counted, now),
    }));
  }

  /** Deletes the counters that hold nothing any more; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#now().getTime();
    const { pair, address, username } = this.#policy;
    const horizon = Math.max(
      ...[pair, address, username].map((b) => ceilingOf(b) * b.forgetOneEveryMs + b.maxDelayMs),
    );
    const row = await queryOne<{ count: string }>(
      this.#orm.em.fork(),
      `with swept as (
         delete from ${table}
         where updated_at < $1 and blocked_until < $2 and (last_success_at is null or last_success_at < $3)
         returning 1)
       select count(*) as count from swept`,
      [new Date(now - horizon), new Date(now), new Date(now - this.#policy.trustedForMs)],
    );
    return Number(row?.count ?? 0);
  }

  async #decide<T>(
    who: Attempter,
    work: (
      counters: Record<Scope, Counter>,
      now: Date,
    ) => { result: T; changes: Partial<Record<Scope, Counter>> },
  ): Promise<T> {
    return this.#orm.em.fork().transactional(async (em) => {
      const now = this.#now();
      const counters = await lockCounters(em, who, now);
      const { result, changes } = work(counters, now);
      for (const [scope, counter] of Object.entries(changes) as [Scope, Counter][]) {
        const [usernameKey, address] = keyOf(scope, who);
        await execute(
          em,
          `update ${table} set failures = $1, updated_at = $2, blocked_until = $3, last_success_at = $4
           where scope = $5 and username_key = $6 and address = $7`,
          [
            counter.failures,
            counter.updatedAt,
            counter.blockedUntil,
            counter.lastSuccessAt,
            scope,
            usernameKey,
            address,
          ],
        );
      }
      return result;
    });
  }
}

/** A scope's row key: the address counter ignores the username, the username counter the address. */
function keyOf(scope: Scope, who: Attempter): [string, string] {
  if (scope === "address") return ["", who.address];
  if (scope === "username") return [who.usernameKey, ""];
  return [who.usernameKey, who.address];
}

/**
 * Creates the attempter's missing rows and locks all three, in the statement's row order (address,
 * pair, username). An upsert rather than insert-then-select: it locks a new row and an existing one
 * alike, in that one order, so no decision ever holds a later row while waiting for an earlier one.
 */
async function lockCounters(em: EntityManager, who: Attempter, now: Date): Promise<Record<Scope, Counter>> {
  const scopes: Scope[] = ["address", "pair", "username"];
  const params = scopes.flatMap((scope) => [scope, ...keyOf(scope, who), now, now]);
  const rows = await query<CounterRow>(
    em,
    `insert into ${table} as t (scope, username_key, address, updated_at, blocked_until)
     values ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10), ($11, $12, $13, $14, $15)
     on conflict (scope, username_key, address) do update set scope = t.scope
     returning t.scope, t.failures, t.updated_at, t.blocked_until, t.last_success_at`,
    params,
  );
  const byScope = new Map(rows.map((row) => [row.scope, row]));
  const counter = (scope: Scope): Counter => {
    const row = byScope.get(scope);
    if (!row) throw new Error(`sign-in throttle: no ${scope} counter came back`);
    return {
      failures: Number(row.failures),
      updatedAt: new Date(row.updated_at),
      blockedUntil: new Date(row.blocked_until),
      lastSuccessAt: row.last_success_at === null ? null : new Date(row.last_success_at),
    };
  };
  return { address: counter("address"), pair: counter("pair"), username: counter("username") };
}
