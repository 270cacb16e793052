import type { BusClient } from "@licensing/bus";
import {
  type Account,
  AppError,
  accountAnswerLeaseMs,
  catalog,
  type FieldIssue,
  newId,
  type Product,
  type RequestContext,
} from "@licensing/contracts";
import { LRUCache } from "lru-cache";

/**
 * Accounts and products, asked of the catalog over the bus. Archiving an account must stop the very
 * next request, and the catalog's change event reaches the issuer only some time later: an account
 * is licensed on the catalog's answer for `accountAnswerLeaseMs` (250 ms) counted from when it was
 * asked, and the catalog answers an archive (or a new name) only once that long has passed since it
 * committed, so no answer from before it is still relied on. A lease about to run out is asked
 * again ahead of time, so steady traffic does not wait on the catalog every 250 ms: the new answer's
 * lease counts from its own question. Products are cached briefly (a burst of
 * licenses asks once) and dropped as soon as the catalog says they changed: a product edit takes
 * effect at the latest when the entry expires.
 */
export class CatalogLookup {
  readonly #bus: BusClient;
  readonly #products: LRUCache<string, Product>;
  /** Licensable accounts, each until its answer's lease runs out (a refusal is never kept). */
  readonly #leased = new LRUCache<string, Account>({ max: 10_000 });
  /** Accounts whose lease is being renewed ahead of its end. */
  readonly #renewing = new Set<string>();
  readonly #accounts = new AskedTogether<string, Account | AppError>((ids) =>
    // The issuer's own question, for requests of several operators: no operator's context.
    this.licensableAccounts(ids, { requestId: newId("request") }),
  );

  constructor(bus: BusClient, ttlMs = 30_000) {
    this.#bus = bus;
    this.#products = new LRUCache({ max: 1_000, ttl: ttlMs });
  }

  /**
   * The account licenses may be created for: it exists and is not archived, as the catalog said less
   * than `accountAnswerLeaseMs` ago (else asked now); requests arriving together share one question.
   * At concurrency 64 a question per creation cost the catalog nearly as much CPU as the issuer spent
   * on the creation; shared, still a tenth of the whole; leased, about 1 % (docs/benchmarks.md).
   */
  async licensableAccount(id: string): Promise<Account> {
    const leased = this.#leased.get(id);
    if (leased) {
      // Under steady traffic every request used to wait on the catalog once a lease ran out: the
      // slowest of a p99 (issue 20). The lease in hand still holds while the next one is asked for.
      if (this.#leased.getRemainingTTL(id) < renewAheadMs) void this.#renew(id);
      return leased;
    }
    const account = await this.#ask(id);
    if (account instanceof AppError) throw account;
    return account;
  }

  /** Asks for `id` and leases a licensable answer; a refusal ends any lease in hand. */
  async #ask(id: string): Promise<Account | AppError> {
    const asked = performance.now();
    const account = await this.#accounts.ask(id);
    if (account instanceof AppError) {
      this.#leased.delete(id);
      return account;
    }
    // The lease counts from the question, not the answer: an answer read before an archive committed
    // must run out before the archive is answered, however long it took to arrive.
    const left = accountAnswerLeaseMs - (performance.now() - asked);
    if (left > 0) this.#leased.set(id, account, { ttl: left });
    return account;
  }

  async #renew(id: string): Promise<void> {
    if (this.#renewing.has(id)) return;
    this.#renewing.add(id);
    try {
      await this.#ask(id);
    } catch {
      // The catalog did not answer: the lease runs out, and the next request asks (and meets the error).
    } finally {
      this.#renewing.delete(id);
    }
  }

  /**
   * The licensable accounts among `ids`, as the catalog says now, in one request (never cached): each
   * id maps to its account, or to the error a creation for it would meet (not found, archived).
   */
  async licensableAccounts(ids: string[], ctx: RequestContext): Promise<Map<string, Account | AppError>> {
    const distinct = [...new Set(ids)];
    const found = new Map<string, Account>();
    for (let i = 0; i < distinct.length; i += 1_000) {
      const { items } = await this.#bus.request(
        catalog.getAccounts,
        { ids: distinct.slice(i, i + 1_000) },
        { ctx },
      );
      for (const account of items) found.set(account.id, account);
    }
    return new Map(
      distinct.map((id) => {
        const account = found.get(id);
        if (!account) return [id, AppError.notFound("Account", id)];
        return [id, account.archived ? archived(account) : account];
      }),
    );
  }

  /** The products, in order; an unknown code is `validation_failed` naming `<path>.<index>`. */
  async products(codes: string[], ctx: RequestContext, path = "products"): Promise<Product[]> {
    const issues: FieldIssue[] = [];
    const found = await Promise.all(
      codes.map(async (code, index) => {
        const cached = this.#products.get(code);
        if (cached) return cached;
        try {
          const product = await this.#bus.request(catalog.getProduct, { code }, { ctx });
          this.#products.set(code, product);
          return product;
        } catch (error) {
          if (error instanceof AppError && error.code === "not_found") {
            issues.push({ path: `${path}.${index}`, message: `${code} is not a product in the catalog` });
            return undefined;
          }
          throw error;
        }
      }),
    );
    if (issues.length > 0) throw AppError.validation(issues);
    return found as Product[];
  }

  forgetProduct(code: string): void {
    this.#products.delete(code);
  }
}

/** How long before its lease runs out an account in use is asked for again (a slow answer's time). */
const renewAheadMs = 100;

/**
 * Questions asked during one turn of the event loop, sent together when it ends (a burst of requests
 * read from the bus in one go): each is sent after it was asked, never answered from an earlier one.
 */
class AskedTogether<K, V> {
  readonly #send: (keys: K[]) => Promise<Map<K, V>>;
  #pending: Map<K, PromiseWithResolvers<V>> | undefined;

  constructor(send: (keys: K[]) => Promise<Map<K, V>>) {
    this.#send = send;
  }

  ask(key: K): Promise<V> {
    if (!this.#pending) {
      this.#pending = new Map();
      setImmediate(() => void this.#flush());
    }
    let asked = this.#pending.get(key);
    if (!asked) {
      asked = Promise.withResolvers<V>();
      this.#pending.set(key, asked);
    }
    return asked.promise;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending!;
    this.#pending = undefined;
    try {
      const answers = await this.#send([...batch.keys()]);
      for (const [key, asked] of batch) asked.resolve(answers.get(key)!);
    } catch (error) {
      for (const asked of batch.values()) asked.reject(error);
    }
  }
}

function archived(account: Account): AppError {
  return new AppError(
    "account_archived",
    `Account ${account.name} (${account.id}) is archived; restore it to license it`,
  );
}
