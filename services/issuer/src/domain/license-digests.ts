import {
  type Actor,
  AppError,
  isServiceActor,
  type LicenseDigest,
  type LicenseEvent,
  type RequestContext,
} from "@licensing/contracts";
import { type Orm, query } from "@licensing/platform";
import { findLicense, type LicenseQueries } from "./license-queries.ts";
import { toEvent } from "./license-views.ts";

/**
 * What read models of licenses reconcile against (distribution's; docs/distribution.md,
 * "Reconciliation"): every license's digest, a page at a time, and one license as its next event
 * would carry it. For services only: an operator has the license list and its pages for that.
 */
export class LicenseDigests {
  readonly #orm: Orm;
  readonly #queries: LicenseQueries;

  constructor(orm: Orm, queries: LicenseQueries) {
    this.#orm = orm;
    this.#queries = queries;
  }

  /** Licenses after `after` by id, at most `limit`; `next` is null on the last page. */
  async page(
    after: string | undefined,
    limit: number,
    ctx: RequestContext,
  ): Promise<{ items: LicenseDigest[]; next: string | null }> {
    requireService(ctx);
    const rows = await query<{
      id: string;
      serial: number;
      state: LicenseDigest["state"];
      key_hash: string;
      legacy_key_hash: string | null;
    }>(
      this.#orm,
      `select id, serial, state, key_hash, legacy_key_hash from issuer.licenses
       where $1::text is null or id > $1 order by id limit $2`,
      [after ?? null, limit],
    );
    const items = rows.map((row) => ({
      id: row.id,
      serial: row.serial,
      state: row.state,
      keyHash: row.key_hash,
      legacyKeyHash: row.legacy_key_hash,
    }));
    return { items, next: items.length === limit ? items[items.length - 1]!.id : null };
  }

  /**
   * The license as an event would carry it now: its current file, state and hashes, `at` the time of
   * reading (so an event of a change made after it still wins in the read model).
   */
  async currentEvent(id: string, ctx: RequestContext): Promise<LicenseEvent> {
    requireService(ctx);
    const row = await findLicense(this.#orm.em.fork(), id);
    // The version of the row read: versions never change once signed.
    const { file } = await this.#queries.file(id, row.serial);
    return toEvent(row, file, null);
  }
}

/** The caller must be a service acting for itself (serviceActor), never an operator or nobody. */
function requireService(ctx: RequestContext): Actor {
  if (!ctx.actor)
    throw new AppError("unauthorized", "This request carries no acting service (Lic-Actor header)");
  if (!isServiceActor(ctx.actor))
    throw new AppError("forbidden", `${ctx.actor.username} is not a service; only services may ask this`);
  return ctx.actor;
}
