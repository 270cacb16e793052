import { catalog } from "@licensing/contracts";
import type { GatewayModuleOptions } from "@licensing/gateway/module";
import type { FastifyRequest } from "fastify";

/** Ids named per catalog request (the endpoint's limit). */
const batch = 1_000;

/**
 * Account names for rows that carry only account ids (the distribution service keeps ids, the
 * catalog names): one `catalog.account.names` per thousand accounts not yet known. An account the
 * catalog does not know, or cannot answer for, is named null (the row keeps its id), so a usage
 * figure is never withheld for want of a name. Keep one instance per HTTP request: an export reuses
 * it across pages.
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
    for (let i = 0; i < missing.length; i += batch) {
      const chunk = missing.slice(i, i + batch);
      for (const id of chunk) this.#known.set(id, null);
      try {
        const { items } = await this.#call(this.#request, catalog.accountNames, { ids: chunk });
        for (const { id, name } of items) this.#known.set(id, name);
      } catch (error) {
        this.#request.log.debug(
          { err: error, accounts: chunk.length },
          "no names for the usage report's accounts",
        );
      }
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
