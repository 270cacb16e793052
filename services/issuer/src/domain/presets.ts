import {
  AppError,
  formatBytes,
  type issuer,
  MAX_PRESET_BYTES,
  newId,
  type Preset,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { changesBetween, definedOnly, type Orm, recordAudit } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { CatalogLookup } from "./catalog-lookup.ts";
import { PresetEntity, type PresetRow } from "./entities.ts";
import { requireActor } from "./issuance.ts";
import { offerIssues } from "./license-draft.ts";

/** Named parameter sets ("30-day test", "cockpit, 10 collectors") for quick generation. */
export class Presets {
  readonly #orm: Orm;
  readonly #catalog: CatalogLookup;

  constructor(orm: Orm, catalog: CatalogLookup) {
    this.#orm = orm;
    this.#catalog = catalog;
  }

  async list(): Promise<Preset[]> {
    const rows = await this.#orm.em.fork().find(PresetEntity, {}, { orderBy: { name: "asc" } });
    return rows.map(toPreset);
  }

  async get(id: string): Promise<Preset> {
    const row = await this.#orm.em.fork().findOne(PresetEntity, { id });
    if (!row) throw AppError.notFound("Preset", id);
    return toPreset(row);
  }

  async create(request: RequestOf<typeof issuer.createPreset>, ctx: RequestContext): Promise<Preset> {
    const actor = requireActor(ctx);
    await this.#checkParameters(request.parameters, ctx);
    return this.#unique(request.name, () =>
      this.#orm.em.fork().transactional(async (em) => {
        const row = em.create(PresetEntity, { id: newId("preset"), ...request, createdBy: actor.id });
        await em.flush();
        const preset = toPreset(row);
        await recordAudit(em, presetAudit("preset.created", undefined, preset, ctx));
        return preset;
      }),
    );
  }

  async update(request: RequestOf<typeof issuer.updatePreset>, ctx: RequestContext): Promise<Preset> {
    requireActor(ctx);
    const { id, expectedVersion, ...fields } = request;
    if (fields.parameters) await this.#checkParameters(fields.parameters, ctx);
    return this.#unique(fields.name ?? "", () =>
      this.#orm.em.fork().transactional(async (em) => {
        const row = await em.findOne(PresetEntity, { id });
        if (!row) throw AppError.notFound("Preset", id);
        if (expectedVersion !== undefined && row.version !== expectedVersion) {
          throw new AppError(
            "conflict",
            `Preset ${row.name} was changed by someone else (now version ${row.version}); reload and retry`,
          );
        }
        const before = toPreset(row);
        Object.assign(row, definedOnly(fields));
        await em.flush();
        const preset = toPreset(row);
        await recordAudit(em, presetAudit("preset.updated", before, preset, ctx));
        return preset;
      }),
    );
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    requireActor(ctx);
    await this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(PresetEntity, { id });
      if (!row) throw AppError.notFound("Preset", id);
      const before = toPreset(row);
      await em.nativeDelete(PresetEntity, { id });
      await recordAudit(em, {
        action: "preset.deleted",
        entityType: "preset",
        entityId: id,
        ctx,
        changes: changesBetween(presetFields(before), {}),
      });
    });
  }

  /** The products exist and offer the modes, features and units type the preset names. */
  async #checkParameters(
    parameters: RequestOf<typeof issuer.createPreset>["parameters"],
    ctx: RequestContext,
  ): Promise<void> {
    const size = Buffer.byteLength(JSON.stringify(parameters));
    if (size > MAX_PRESET_BYTES) {
      throw new AppError(
        "payload_too_large",
        `The preset's parameters take ${formatBytes(size)}; a preset holds at most ${formatBytes(MAX_PRESET_BYTES)}. ` +
          "Create licenses with large metadata from the generator instead.",
        { limitBytes: MAX_PRESET_BYTES, sizeBytes: size },
      );
    }
    const products = await this.#catalog.products(parameters.products, ctx, "parameters.products");
    const issues = offerIssues(parameters, products).map((issue) => ({
      ...issue,
      path: `parameters.${issue.path}`,
    }));
    // The rule creation applies (license-draft.ts), caught here rather than at each quick generate.
    const { durationDays, notifyDays } = parameters;
    if (durationDays !== undefined && typeof notifyDays === "number" && notifyDays > durationDays)
      issues.push({
        path: "parameters.notifyDays",
        message: `is longer than the license (${durationDays} days): the notice window must fit within it`,
      });
    if (issues.length > 0) throw AppError.validation(issues, "preset");
  }

  async #unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AppError("already_exists", `A preset named ${name} already exists`);
      throw error;
    }
  }
}

function toPreset(row: PresetRow): Preset {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    parameters: row.parameters as Preset["parameters"],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A preset's fields as its audit entries compare them (not its version and timestamps). */
function presetFields(preset: Preset): Record<string, unknown> {
  const { version: _v, createdAt: _c, updatedAt: _u, ...rest } = preset as Preset & Record<string, unknown>;
  return rest;
}

function presetAudit(action: string, before: Preset | undefined, after: Preset, ctx: RequestContext) {
  return {
    action,
    entityType: "preset",
    entityId: after.id,
    ctx,
    changes: changesBetween(before ? presetFields(before) : {}, presetFields(after)),
  };
}
