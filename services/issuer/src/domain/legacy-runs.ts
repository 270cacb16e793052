import {
  AppError,
  actorMay,
  issuerEvents,
  type LicenseEvent,
  type RequestContext,
} from "@licensing/contracts";
import { execute, type Orm, query, recordAudit, recordEvents } from "@licensing/platform";
import { LegacyLicenseEntity, LicenseEntity, type LicenseRow } from "./entities.ts";
import { requireActor } from "./issuance.ts";
import { toEvent } from "./license-views.ts";

interface RunLicense {
  license_id: string;
  source: string;
  legacy_id: string;
  created_run_id: string;
  run_id: string;
  imported_version: number;
  version: number;
}

/** Changed licenses a conflict names, at most (the count is given in full). */
const namedAtMost = 100;

/**
 * A migration run as a whole: its provenance records, and its rollback, which removes every license
 * the run created, in one transaction, only while none of them has changed since the run imported
 * it (an operator's renewal, suspension, revocation or re-issue, or a later run's import).
 */
export class LegacyRuns {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  /** Where a migrated license comes from, its legacy LicenseFile text included: license admins only. */
  async provenance(licenseId: string, ctx: RequestContext) {
    const actor = requireActor(ctx);
    if (!actorMay(actor, "license.legacy-file.read"))
      throw new AppError("forbidden", `${actor.username} may not read legacy license files`);
    const origin = await this.#orm.em
      .fork()
      .findOne(LegacyLicenseEntity, { licenseId }, { populate: ["licenseFile"] });
    if (!origin)
      throw new AppError("not_found", `License ${licenseId} was not migrated from a legacy system`);
    await recordAudit(this.#orm.em.fork(), {
      action: "license.legacy-file-read",
      entityType: "license",
      entityId: licenseId,
      actor,
      ctx,
      changes: { source: [null, origin.source], legacyId: [null, origin.legacyId] },
    });
    return {
      licenseId,
      source: origin.source,
      legacyId: origin.legacyId,
      runId: origin.runId,
      importedAt: origin.importedAt.toISOString(),
      dateIssued: origin.dateIssued.toISOString(),
      createdBy: origin.createdBy,
      licenseFile: origin.licenseFile ?? null,
    };
  }

  /**
   * Removes the licenses `runId` created. Distribution hears of each as `license.revoked` (reason
   * "migration run … rolled back"): the key and its legacy alias stop working at once, and a later
   * run may import the same legacy license again as a new license.
   */
  async rollback(runId: string, ctx: RequestContext): Promise<{ runId: string; removed: number }> {
    const actor = requireActor(ctx);
    if (!actorMay(actor, "license.import"))
      throw new AppError("forbidden", `${actor.username} may not roll back a migration run`);
    return this.#orm.em.fork().transactional(async (em) => {
      const rows = await query<RunLicense>(
        em,
        `select o.license_id, o.source, o.legacy_id, o.created_run_id, o.run_id, o.imported_version, l.version
           from issuer.legacy_licenses o join issuer.licenses l on l.id = o.license_id
          where o.created_run_id = $1 or o.run_id = $1
          order by o.license_id
          for update of l`,
        [runId],
      );
      if (rows.length === 0)
        throw new AppError("not_found", `Migration run ${runId} left no license to remove`);
      const changed = rows.filter(
        (r) => r.created_run_id !== runId || r.run_id !== runId || r.version !== r.imported_version,
      );
      if (changed.length > 0) {
        const named = changed.slice(0, namedAtMost);
        throw new AppError(
          "conflict",
          `Migration run ${runId} cannot be rolled back: ${changed.length} of its licenses changed since it ` +
            `imported them (${named.map((r) => `${r.license_id} (${r.source} ${r.legacy_id})`).join(", ")}` +
            `${changed.length > named.length ? ", …" : ""})`,
          {
            changedCount: changed.length,
            changed: named.map((r) => ({ licenseId: r.license_id, source: r.source, legacyId: r.legacy_id })),
          },
        );
      }
      const ids = rows.map((r) => r.license_id);
      const licenses = await em.find(LicenseEntity, { id: { $in: ids } });
      const files = await query<{ license_id: string; file: string }>(
        em,
        `select v.license_id, v.file from issuer.license_versions v join issuer.licenses l
           on l.id = v.license_id and l.serial = v.serial where l.id = any($1::text[])`,
        [ids],
      );
      const fileOf = new Map(files.map((f) => [f.license_id, f.file]));
      const reason = `migration run ${runId} rolled back`;
      const at = new Date().toISOString();
      await recordEvents(
        em,
        licenses.map((row: LicenseRow) => ({
          type: issuerEvents.licenseRevoked,
          payload: {
            ...toEvent({ ...row, state: "revoked" }, fileOf.get(row.id)!, reason),
            at,
          } as LicenseEvent,
          ctx,
        })),
      );
      await recordAudit(
        em,
        ...rows.map((r) => ({
          entityType: "license",
          entityId: r.license_id,
          action: "license.rolled-back",
          actor,
          ctx,
          reason,
          changes: {
            runId: [runId, null],
            source: [r.source, null],
            legacyId: [r.legacy_id, null],
          } as Record<string, [unknown, unknown]>,
        })),
      );
      await execute(em, "delete from issuer.legacy_licenses where license_id = any($1::text[])", [ids]);
      await execute(em, "delete from issuer.license_versions where license_id = any($1::text[])", [ids]);
      await execute(em, "delete from issuer.licenses where id = any($1::text[])", [ids]);
      return { runId, removed: ids.length };
    });
  }
}
