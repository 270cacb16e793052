import {
  type Account,
  AppError,
  catalog,
  type FieldIssue,
  type Product,
  type RequestContext,
} from "@licensing/contracts";
import type { BusClient } from "@licensing/contracts/bus";
import { LRUCache } from "lru-cache";

/**
 * Accounts and products, asked of the catalog over the bus. Answers are cached briefly (a burst of
 * licenses for one account asks once) and dropped as soon as the catalog says they changed.
 */
export class CatalogLookup {
  readonly #bus: BusClient;
  readonly #accounts: LRUCache<string, Account>;
  readonly #products: LRUCache<string, Product>;

  constructor(bus: BusClient, ttlMs = 30_000) {
    this.#bus = bus;
    this.#accounts = new LRUCache({ max: 10_000, ttl: ttlMs });
    this.#products = new LRUCache({ max: 1_000, ttl: ttlMs });
  }

  /** The account licenses may be created for: it exists and is not archived. */
  async licensableAccount(id: string, ctx: RequestContext): Promise<Account> {
    let account = this.#accounts.get(id);
    if (!account) {
      account = await this.#bus.request(catalog.getAccount, { id }, { ctx });
      this.#accounts.set(id, account);
    }
    if (account.archived)
      throw new AppError(
        "account_archived",
        `Account ${account.name} (${id}) is archived; restore it to license it`,
      );
    return account;
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

  forgetAccount(id: string): void {
    this.#accounts.delete(id);
  }

  forgetProduct(code: string): void {
    this.#products.delete(code);
  }
}
