import { type Actor, AppError } from "@licensing/contracts";
import { isModelError, type License, type PublicKeyEntry, verifyLicenseFile } from "@licensing/model";
import { type Logger, type Orm, recordAudit } from "@licensing/platform";
import type { ModuleName } from "../module-api.ts";
import type { ModuleStatus } from "../schemas.ts";
import { ModuleActivationEntity, type ModuleActivationRow } from "./entities.ts";

/** How long a replica trusts what it read; another replica's change shows within this time. */
const cacheMs = 5_000;

interface Cached {
  row: ModuleActivationRow | null;
  license: License | null;
  readAt: number;
}

/**
 * Module activation (docs/architecture.md, the second factor): a superadmin pastes a license file signed by a
 * vendor key the deployment trusts (GATEWAY_VENDOR_PUBLIC_KEYS) whose features include the module's name.
 * Stored in the gateway's schema, so it survives restarts and every replica sees it; re-verified
 * whenever it is read, so removing a vendor key or reaching the end date deactivates the module.
 */
export class ModuleActivations {
  readonly #orm: Orm;
  readonly #keys: readonly PublicKeyEntry[];
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #packaged = new Set<ModuleName>();
  readonly #cache = new Map<ModuleName, Cached>();

  constructor(orm: Orm, keys: readonly PublicKeyEntry[], now: () => Date, log: Logger) {
    this.#orm = orm;
    this.#keys = keys;
    this.#now = now;
    this.#log = log;
  }

  /** Records that the module's package is installed (the first factor). */
  markPackaged(module: ModuleName): void {
    this.#packaged.add(module);
  }

  isPackaged(module: ModuleName): boolean {
    return this.#packaged.has(module);
  }

  async isActive(module: ModuleName): Promise<boolean> {
    return (await this.status(module)).active;
  }

  async status(module: ModuleName): Promise<ModuleStatus> {
    const { row, license } = await this.#read(module);
    const now = this.#now().getTime();
    const inForce =
      license !== null &&
      Date.parse(license.startDate) <= now &&
      (license.endDate === null || now < Date.parse(license.endDate));
    return {
      packaged: this.isPackaged(module),
      active: this.isPackaged(module) && inForce,
      activation: row
        ? {
            licenseId: row.licenseId,
            ownerCompany: row.ownerCompany,
            endDate: row.endDate ? row.endDate.toISOString() : null,
            activatedAt: row.activatedAt.toISOString(),
            activatedBy: row.activatedBy,
          }
        : null,
    };
  }

  /** Verifies and stores an activation license, replacing any earlier one. */
  async activate(
    module: ModuleName,
    licenseFile: string,
    actor: Actor,
    requestId: string | null = null,
  ): Promise<ModuleStatus> {
    if (!this.isPackaged(module))
      throw new AppError("invalid_state", `The ${module} module is not installed in this deployment`);
    const license = this.#verify(module, licenseFile);
    const now = this.#now();
    if (Date.parse(license.startDate) > now.getTime())
      throw invalidFile(`is not valid before ${license.startDate}`);
    if (license.endDate !== null && Date.parse(license.endDate) <= now.getTime())
      throw invalidFile(`expired on ${license.endDate}`);
    await this.#orm.em.fork().transactional(async (em) => {
      const before = await em.findOne(ModuleActivationEntity, { module });
      await em.upsert(ModuleActivationEntity, {
        module,
        licenseFile: licenseFile.trim(),
        licenseId: license.id,
        ownerCompany: license.ownerCompany,
        endDate: license.endDate ? new Date(license.endDate) : null,
        activatedAt: now,
        activatedBy: actor.username,
      });
      await recordAudit(em, {
        action: "module.activated",
        entityType: "module",
        entityId: module,
        actor,
        ctx: { requestId },
        changes: {
          licenseId: [before?.licenseId ?? null, license.id],
          ownerCompany: [before?.ownerCompany ?? null, license.ownerCompany],
          endDate: [before?.endDate?.toISOString() ?? null, license.endDate],
        },
      });
    });
    this.#cache.delete(module);
    this.#log.info({ module, licenseId: license.id, by: actor.username }, "module activated");
    return this.status(module);
  }

  async deactivate(module: ModuleName, actor: Actor, requestId: string | null = null): Promise<ModuleStatus> {
    await this.#orm.em.fork().transactional(async (em) => {
      const before = await em.findOne(ModuleActivationEntity, { module });
      if (!before) return;
      await em.nativeDelete(ModuleActivationEntity, { module });
      await recordAudit(em, {
        action: "module.deactivated",
        entityType: "module",
        entityId: module,
        actor,
        ctx: { requestId },
        changes: { licenseId: [before.licenseId, null], ownerCompany: [before.ownerCompany, null] },
      });
    });
    this.#cache.delete(module);
    this.#log.info({ module, by: actor.username }, "module deactivated");
    return this.status(module);
  }

  #verify(module: ModuleName, licenseFile: string): License {
    let license: License;
    try {
      license = verifyLicenseFile(licenseFile.trim(), this.#keys);
    } catch (error) {
      if (isModelError(error, "unknown_key"))
        throw invalidFile(
          "is not signed by a vendor key this deployment trusts (GATEWAY_VENDOR_PUBLIC_KEYS)",
        );
      if (isModelError(error)) throw invalidFile(`is not a valid license file: ${error.message}`);
      throw error;
    }
    if (!license.allowedCustomFeatures.includes(module))
      throw invalidFile(`does not carry the "${module}" feature, so it cannot activate the ${module} module`);
    return license;
  }

  async #read(module: ModuleName): Promise<Cached> {
    const cached = this.#cache.get(module);
    if (cached && Date.now() - cached.readAt < cacheMs) return cached;
    const row = await this.#orm.em.fork().findOne(ModuleActivationEntity, { module });
    let license: License | null = null;
    if (row) {
      try {
        license = this.#verify(module, row.licenseFile);
      } catch (error) {
        this.#log.warn(
          { module, licenseId: row.licenseId, err: error },
          "the stored activation license no longer verifies; the module is inactive",
        );
      }
    }
    const fresh = { row, license, readAt: Date.now() };
    this.#cache.set(module, fresh);
    return fresh;
  }
}

function invalidFile(problem: string): AppError {
  return AppError.validation([{ path: "licenseFile", message: problem }], "activation license");
}
