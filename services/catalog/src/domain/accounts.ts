import { setTimeout as sleep } from "node:timers/promises";
import {
  type Account,
  AppError,
  accountAnswerLeaseMs,
  type catalog,
  catalogEvents,
  newId,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import {
  type AuditRecord,
  changesBetween,
  definedOnly,
  type EntityManager,
  type Orm,
  query,
  recordAudit,
  recordEvent,
} from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { AccountEntity, type AccountRow, toAccount } from "./account-entity.ts";
import { countAccounts, searchAccounts } from "./account-search.ts";

/** The account rules: what may change, when, and which event says so. */
export class Accounts {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  async create(request: RequestOf<typeof catalog.createAccount>, ctx: RequestContext): Promise<Account> {
    return this.#write(async (em) => {
      const row = em.create(AccountEntity, { id: newId("account"), ...request, archived: false });
      await em.flush();
      const account = toAccount(row);
      await recordEvent(em, catalogEvents.accountCreated, account, ctx);
      await recordAudit(em, accountAudit("account.created", undefined, account, ctx));
      return account;
    });
  }

  async update(request: RequestOf<typeof catalog.updateAccount>, ctx: RequestContext): Promise<Account> {
    const { id, expectedVersion, ...fields } = request;
    const account = await this.#change(id, expectedVersion, ctx, "account.updated", (row) => {
      if (row.archived)
        throw new AppError("account_archived", `Account ${id} is archived; restore it before editing`);
      Object.assign(row, definedOnly(fields));
    });
    await answersExpire(performance.now());
    return account;
  }

  async archive(id: string, ctx: RequestContext): Promise<Account> {
    const account = await this.#change(id, undefined, ctx, "account.archived", (row) => {
      row.archived = true;
    });
    await answersExpire(performance.now());
    return account;
  }

  async restore(id: string, ctx: RequestContext): Promise<Account> {
    return this.#change(id, undefined, ctx, "account.restored", (row) => {
      row.archived = false;
    });
  }

  async promote(id: string, ctx: RequestContext): Promise<Account> {
    return this.#change(id, undefined, ctx, "account.promoted", (row) => {
      if (row.archived)
        throw new AppError("account_archived", `Account ${id} is archived; restore it before promoting`);
      if (row.type === "customer") throw new AppError("invalid_state", `Account ${id} is already a customer`);
      row.type = "customer";
    });
  }

  async get(id: string): Promise<Account> {
    // By hand rather than findOne: the issuer asks for the account of every license it creates,
    // and in a profile of issuance findOne spent most of its time building its query.
    const em = this.#orm.em.fork();
    const [raw] = await query(em, "select a.* from catalog.accounts a where a.id = $1", [id]);
    if (!raw) throw AppError.notFound("Account", id);
    return toAccount(em.map(AccountEntity, raw));
  }

  /** Accounts by id, in one query: for callers needing many at once (a migration's batch). */
  async getMany(ids: string[]): Promise<Account[]> {
    // By hand, as get: the issuer asks this for the accounts of concurrent license creations.
    const em = this.#orm.em.fork();
    const rows = await query(em, "select a.* from catalog.accounts a where a.id = any($1::text[])", [
      [...new Set(ids)],
    ]);
    return rows.map((raw) => toAccount(em.map(AccountEntity, raw)));
  }

  /** Names by id, in one query: for callers naming rows that carry only account ids. */
  async names(ids: string[]): Promise<{ id: string; name: string }[]> {
    const rows = await this.#orm.em
      .fork()
      .find(AccountEntity, { id: { $in: [...new Set(ids)] } }, { fields: ["id", "name"] });
    return rows.map((row) => ({ id: row.id, name: row.name }));
  }

  search(request: RequestOf<typeof catalog.searchAccounts>) {
    return searchAccounts(this.#orm.em.fork(), request);
  }

  count(request: RequestOf<typeof catalog.countAccounts>) {
    return countAccounts(this.#orm.em.fork(), request);
  }

  /** Loads, changes and saves one account, recording `account.updated` when something changed. */
  async #change(
    id: string,
    expectedVersion: number | undefined,
    ctx: RequestContext,
    action: string,
    change: (row: AccountRow) => void,
  ): Promise<Account> {
    return this.#write(async (em) => {
      const row = await em.findOne(AccountEntity, { id });
      if (!row) throw AppError.notFound("Account", id);
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        throw new AppError(
          "conflict",
          `Account ${id} was changed by someone else (now version ${row.version}); reload and retry`,
        );
      }
      const before = toAccount(row);
      change(row);
      await em.flush();
      const account = toAccount(row);
      if (JSON.stringify(account) !== JSON.stringify(before)) {
        await recordEvent(em, catalogEvents.accountUpdated, account, ctx);
        await recordAudit(em, accountAudit(action, before, account, ctx));
      }
      return account;
    });
  }

  /** One transaction; a duplicate external id becomes `already_exists`. */
  async #write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.#orm.em.fork().transactional(work);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException && /external_id/.test(error.message)) {
        throw new AppError("already_exists", "Another account already has this external id");
      }
      throw error;
    }
  }
}

/** What an account's audit entry says changed: its fields, not its version and timestamps. */
export function accountAudit(
  action: string,
  before: Account | undefined,
  after: Account,
  ctx: RequestContext,
  reason?: string,
): AuditRecord {
  const fields = ({ id: _i, version: _v, createdAt: _c, updatedAt: _u, ...rest }: Account) =>
    rest as Record<string, unknown>;
  const now = fields(after);
  // A new account's entry names what it was created with, not every empty field.
  if (!before)
    for (const [key, value] of Object.entries(now))
      if (value === null || value === "" || value === false || (Array.isArray(value) && value.length === 0))
        delete now[key];
  return {
    action,
    entityType: "account",
    entityId: after.id,
    ctx,
    reason,
    changes: changesBetween(
      before ? fields(before) : Object.fromEntries(Object.keys(now).map((k) => [k, null])),
      now,
    ),
  };
}

/**
 * Waits until every answer given before the change committed (at `committed`, performance.now()) has
 * run out (accountAnswerLeaseMs): the issuer licenses an account on an answer for that long, so
 * whoever is told of an archive or a new name can rely on the next license request seeing it. A few
 * milliseconds more, as a timer may fire early by this clock and a cache may check it coarsely.
 */
export async function answersExpire(committed: number): Promise<void> {
  const until = committed + accountAnswerLeaseMs + 10;
  for (let left = until - performance.now(); left > 0; left = until - performance.now()) await sleep(left);
}
