import { catalogEvents } from "@licensing/contracts";
import { EventConsumer, execute, type Logger, type Orm } from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { seedAll } from "./builtin-presets.ts";
import type { CatalogLookup } from "./catalog-lookup.ts";

/**
 * Keeps what the issuer holds of the catalog current: the account name shown beside each license
 * (the signed files keep the owner they were issued to), and the product lookup cache.
 */
export function catalogSync(deps: {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  catalog: CatalogLookup;
  /** Create a new product's built-in presets. */
  seed?: boolean;
}): EventConsumer {
  const { catalog } = deps;
  return new EventConsumer({ ...deps, name: "issuer-catalog-sync" })
    .on(catalogEvents.accountUpdated, async (account, { em }) => {
      await execute(
        em,
        "update issuer.licenses set account_name = $1 where account_id = $2 and account_name <> $1",
        [account.name, account.id],
      );
    })
    .on(catalogEvents.productUpdated, async (product) => {
      catalog.forgetProduct(product.code);
      // Once per product (recorded): a later update of the same product does nothing here.
      if (deps.seed) await seedAll(deps.orm, [product], deps.log);
    })
    .on(catalogEvents.productDeleted, async ({ code }) => {
      catalog.forgetProduct(code);
    });
}
