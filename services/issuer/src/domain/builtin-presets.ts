import { newId, type Product } from "@licensing/contracts";
import { execute, type Logger, type Orm } from "@licensing/platform";

// A fresh install has no presets, so the generator offered no quick buttons. Each product gets a
// few sensible ones the first time the issuer learns of it (at start for the catalog's products, then
// from each product event), editable and deletable like any other. Once per product, ever: the seed
// is recorded (issuer.preset_seeds), so a deleted built-in stays deleted, and two replicas seeding
// the same product at once create one set (the second waits on the first's row, then finds it).

/** The built-in presets of `product`: its name first, so each product's set reads as one. */
export function builtinPresets(product: Pick<Product, "code" | "name">) {
  const products = [product.code];
  return [
    {
      name: `${product.name} · test, 30 days`,
      description: "Built-in: a 30-day test license, notice 7 days before it ends",
      parameters: { products, kind: "test", durationDays: 30, notifyDays: 7 },
    },
    {
      name: `${product.name} · test, 14 days`,
      description: "Built-in: a 14-day test license, notice 3 days before it ends",
      parameters: { products, kind: "test", durationDays: 14, notifyDays: 3 },
    },
    {
      name: `${product.name} · commercial, 1 year`,
      description: "Built-in: a one-year commercial license, notice 30 days before it ends",
      parameters: { products, kind: "commercial", durationDays: 365, notifyDays: 30 },
    },
  ];
}

/** Who created a built-in preset (not a user). */
export const builtinCreator = "system";

/** Creates `product`'s built-in presets unless they were created before. Returns whether it did. */
export function seedBuiltinPresets(orm: Orm, product: Pick<Product, "code" | "name">): Promise<boolean> {
  return orm.em.fork().transactional(async (em) => {
    const claimed = await execute(
      em,
      "insert into issuer.preset_seeds (product_code, seeded_at) values ($1, now()) on conflict do nothing",
      [product.code],
    );
    if (claimed === 0) return false;
    for (const preset of builtinPresets(product)) {
      // An operator's preset of the same name wins: that one built-in is left out.
      await execute(
        em,
        `insert into issuer.presets (id, name, description, parameters, created_by, version, created_at, updated_at)
         values ($1, $2, $3, $4, $5, 1, now(), now()) on conflict do nothing`,
        [newId("preset"), preset.name, preset.description, JSON.stringify(preset.parameters), builtinCreator],
      );
    }
    return true;
  });
}

/** Seeds every product in `products`, logging (not throwing) a failure: presets are a convenience. */
export async function seedAll(
  orm: Orm,
  products: Pick<Product, "code" | "name">[],
  log: Logger,
): Promise<void> {
  for (const product of products) {
    try {
      if (await seedBuiltinPresets(orm, product))
        log.info({ product: product.code }, "built-in presets created");
    } catch (error) {
      log.warn({ err: error, product: product.code }, "built-in presets not created");
    }
  }
}
