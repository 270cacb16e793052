import {
  AppError,
  type catalog,
  catalogEvents,
  type FieldIssue,
  type Product,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { changesBetween, definedOnly, type Orm, recordAudit, recordEvent } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { ProductEntity, type ProductRow, toProduct } from "./product-entity.ts";

type ProductFields = Pick<ProductRow, "executionModes" | "customFeatures" | "unitsTypes" | "defaults">;

/** The product catalog: what each product offers, and what a new license for it gets by default. */
export class Products {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  async create(request: RequestOf<typeof catalog.createProduct>, ctx: RequestContext): Promise<Product> {
    checkConsistency(request);
    try {
      return await this.#orm.em.fork().transactional(async (em) => {
        const row = em.create(ProductEntity, request);
        await em.flush();
        const product = toProduct(row);
        await recordEvent(em, catalogEvents.productUpdated, product, ctx);
        await recordAudit(em, productAudit("product.created", undefined, product, ctx));
        return product;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new AppError("already_exists", `A product with code ${request.code} already exists`);
      }
      throw error;
    }
  }

  async update(request: RequestOf<typeof catalog.updateProduct>, ctx: RequestContext): Promise<Product> {
    const { code, expectedVersion, ...fields } = request;
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ProductEntity, { code });
      if (!row) throw AppError.notFound("Product", code);
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        throw new AppError(
          "conflict",
          `Product ${code} was changed by someone else (now version ${row.version}); reload and retry`,
        );
      }
      const changes = definedOnly(fields);
      checkConsistency({ ...row, ...changes });
      const before = toProduct(row);
      Object.assign(row, changes);
      await em.flush();
      const product = toProduct(row);
      await recordEvent(em, catalogEvents.productUpdated, product, ctx);
      await recordAudit(em, productAudit("product.updated", before, product, ctx));
      return product;
    });
  }

  async get(code: string): Promise<Product> {
    const row = await this.#orm.em.fork().findOne(ProductEntity, { code });
    if (!row) throw AppError.notFound("Product", code);
    return toProduct(row);
  }

  async list(): Promise<Product[]> {
    const rows = await this.#orm.em.fork().find(ProductEntity, {}, { orderBy: { code: "asc" } });
    return rows.map(toProduct);
  }

  async delete(code: string, ctx: RequestContext): Promise<void> {
    await this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ProductEntity, { code });
      if (!row) throw AppError.notFound("Product", code);
      const before = toProduct(row);
      const deleted = await em.nativeDelete(ProductEntity, { code });
      if (deleted === 0) throw AppError.notFound("Product", code);
      await recordAudit(em, {
        action: "product.deleted",
        entityType: "product",
        entityId: code,
        ctx,
        changes: changesBetween(fieldsOf(before), {}),
      });
      await recordEvent(em, catalogEvents.productDeleted, { code }, ctx);
    });
  }
}

/** Codes are unique within each list, and the defaults only use what the product offers. */
function checkConsistency(product: ProductFields): void {
  const issues: FieldIssue[] = [];
  for (const list of ["executionModes", "customFeatures", "unitsTypes"] as const) {
    const seen = new Set<string>();
    product[list].forEach((item, index) => {
      if (seen.has(item.code))
        issues.push({ path: `${list}.${index}.code`, message: `${item.code} is listed twice` });
      seen.add(item.code);
    });
  }
  const offered = (list: "executionModes" | "customFeatures" | "unitsTypes") =>
    new Set(product[list].map((i) => i.code));
  const modes = offered("executionModes");
  product.defaults.executionModes.forEach((mode, index) => {
    if (!modes.has(mode))
      issues.push({
        path: `defaults.executionModes.${index}`,
        message: `${mode} is not one of the product's execution modes`,
      });
  });
  const features = offered("customFeatures");
  product.defaults.customFeatures.forEach((feature, index) => {
    if (!features.has(feature))
      issues.push({
        path: `defaults.customFeatures.${index}`,
        message: `${feature} is not one of the product's custom features`,
      });
  });
  if (product.defaults.unitsType !== null && !offered("unitsTypes").has(product.defaults.unitsType)) {
    issues.push({
      path: "defaults.unitsType",
      message: `${product.defaults.unitsType} is not one of the product's units types`,
    });
  }
  if (issues.length > 0) throw AppError.validation(issues, "product");
}

/** A product's fields as its audit entries compare them (not its version and timestamps). */
function fieldsOf(product: Product): Record<string, unknown> {
  const { version: _v, createdAt: _c, updatedAt: _u, ...rest } = product as Product & Record<string, unknown>;
  return rest;
}

function productAudit(action: string, before: Product | undefined, after: Product, ctx: RequestContext) {
  return {
    action,
    entityType: "product",
    entityId: after.code,
    ctx,
    changes: changesBetween(before ? fieldsOf(before) : {}, fieldsOf(after)),
  };
}
