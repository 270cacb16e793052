import { catalog } from "@licensing/contracts";
import type { GatewayModuleOptions } from "@licensing/gateway/module";
import type { FastifyRequest } from "fastify";

/** Catalog lookups in flight at once while naming a page's accounts. */
const concurrency = 25;

/**
 * Account names for rows that carry only account ids (the distribution service keeps ids, the
 * catalog names). One `catalog.account.get` per account not yet known, a few at a time; an account
 * the catalog cannot answer for is named null (the row keeps its id), so a usage figure is never
 * withheld for want of a name. Keep one instance per HTTP request: an export reuses it across pages.
 */
export class AccountNames {
  readonly #call: GatewayModuleOptions["call"];
  readonly #request: FastifyRequest;
  readonly #known = new Map<string, string | null>();

  constructor(call: GatewayModuleOptions["call"], request: FastifyRequest) {
    this.#call = call;
    this.#request = request;
  }

  /** Looks up every id not yet known; afterwards `name(id)` answers for each. */
  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#known.has(id));
    for (let i = 0; i < missing.length; i += concurrency) {
      await Promise.all(
        missing.slice(i, i + concurrency).map(async (id) => {
          try {
            this.#known.set(id, (await this.#call(this.#request, catalog.getAccount, { id })).name);
          } catch (error) {
            this.#request.log.debug(
              { err: error, accountId: id },
              "no name for an account of the usage report",
            );
            this.#known.set(id, null);
          }
        }),
      );
    }
  }

  name(id: string): string | null {
    return this.#known.get(id) ?? null;
  }

  /** The rows with their account's name beside its id. */
  async named<T extends { accountId: string }>(rows: T[]): Promise<(T & { accountName: string | null })[]> {
    await this.load(rows.map((row) => row.accountId));
    return rows.map((row) => ({ ...row, accountName: this.name(row.accountId) }));
  }
}
