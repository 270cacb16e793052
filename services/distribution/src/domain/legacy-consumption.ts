// Carrying migrated licenses' legacy consumption into distribution (issue 14): the units a license
// had consumed in its legacy system, its last use, its downloads and its activated machines, so that
// its limits continue where they stood. docs/distribution.md, "Legacy consumption".
import {
  type Actor,
  AppError,
  actorMay,
  type distribution,
  type LegacyConsumptionItem,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
} from "@licensing/contracts";
import {
  classifyDatabaseError,
  type EntityManager,
  type Logger,
  type Orm,
  query,
  queryOne,
  recordAudit,
} from "@licensing/platform";
import {
  applyToLicense,
  auditReason,
  type Carry,
  contentHash,
  fromRow,
  lockConsumption,
  lockConsumptions,
  normalize,
  readConsumption,
  storeConsumptions,
} from "./legacy-baseline.ts";

type ImportRequest = RequestOf<typeof distribution.importLegacyConsumption>;
type ImportResponse = ResponseOf<typeof distribution.importLegacyConsumption>;
type ItemResult = ImportResponse["items"][number];

/** Items carried at once, each in its own transaction on a pooled connection (the pool is 10). */
const itemsAtOnce = 4;

/**
 * The `distribution.legacy.consumption` endpoint: carries each item in its own transaction, so a bad
 * item fails alone and none is half-written, and row locks are held for one item, never for a batch
 * (products' usage reports on the same licenses wait for one item at most). Items naming the same
 * license go one after the other, in request order.
 */
export class LegacyConsumption {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  async carry(request: ImportRequest, ctx: RequestContext & { log: Logger }): Promise<ImportResponse> {
    const actor = ctx.actor;
    if (!actor) throw new AppError("unauthorized", "This request carries no acting user (Lic-Actor header)");
    if (!actorMay(actor, "license.import"))
      throw new AppError("forbidden", `${actor.username} may not carry legacy consumption`);
    const items: ItemResult[] = new Array(request.items.length);
    const turns = new Map<string, number[]>();
    request.items.forEach((item, index) => {
      turns.set(item.licenseId, [...(turns.get(item.licenseId) ?? []), index]);
    });
    // What a migration run sends first: licenses not yet in distribution, each named once. They are
    // kept pending together, in one transaction; everything else goes one item at a time.
    const waiting = await this.#carryWaiting(
      request,
      [...turns.values()].filter((turn) => turn.length === 1).map((turn) => turn[0]!),
      actor,
      ctx,
    );
    for (const [index, outcome] of waiting) {
      items[index] = { index, licenseId: request.items[index]!.licenseId, outcome, error: null };
      turns.delete(request.items[index]!.licenseId);
    }
    const queue = [...turns.values()];
    const worker = async () => {
      for (let turn = queue.shift(); turn; turn = queue.shift()) {
        for (const index of turn) {
          const item = request.items[index]!;
          const result = (outcome: ItemResult["outcome"], error: ItemResult["error"] = null) => ({
            index,
            licenseId: item.licenseId,
            outcome,
            error,
          });
          try {
            items[index] = result(await this.#carryOne(item, request.runId, actor, ctx));
          } catch (error) {
            items[index] = result("failed", itemError(error, ctx.log));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(itemsAtOnce, queue.length) }, worker));
    return { runId: request.runId, items };
  }

  /**
   * Carries, together, the items among `indexes` whose license distribution does not have yet: each
   * kept pending exactly as #carryOne would keep it, under the same per-license locks (taken in one
   * order), so a license arriving meanwhile applies the carry when it gets the lock. Answers the
   * outcome of each item it carried; the others (their license is here) are left to #carryOne.
   */
  async #carryWaiting(
    request: ImportRequest,
    indexes: number[],
    actor: Actor,
    ctx: RequestContext,
  ): Promise<Map<number, "pending" | "unchanged">> {
    const outcomes = new Map<number, "pending" | "unchanged">();
    if (indexes.length < 2) return outcomes;
    const ids = indexes.map((i) => request.items[i]!.licenseId);
    const here = async (em: EntityManager | Orm) =>
      new Set(
        (
          await query<{ license_id: string }>(
            em,
            "select license_id from distribution.licenses where license_id = any($1::text[])",
            [ids],
          )
        ).map((r) => r.license_id),
      );
    const present = await here(this.#orm);
    const candidates = indexes.filter((i) => !present.has(request.items[i]!.licenseId));
    if (candidates.length < 2) return outcomes;
    await this.#orm.em.fork().transactional(async (em) => {
      await lockConsumptions(
        em,
        candidates.map((i) => request.items[i]!.licenseId),
      );
      const arrived = await here(em);
      const earlier = new Map(
        (
          await query<{ license_id: string; content_hash: string; applied_at: Date | null }>(
            em,
            `select license_id, content_hash, applied_at from distribution.legacy_consumption
              where license_id = any($1::text[]) for update`,
            [ids],
          )
        ).map((r) => [r.license_id, r]),
      );
      const carries: Carry[] = [];
      for (const index of candidates) {
        const item = request.items[index]!;
        if (arrived.has(item.licenseId)) continue;
        const carried = normalize(item);
        const hash = contentHash(carried);
        const before = earlier.get(item.licenseId);
        if (before?.content_hash === hash) {
          outcomes.set(index, before.applied_at === null ? "pending" : "unchanged");
          continue;
        }
        carries.push({
          licenseId: item.licenseId,
          runId: request.runId,
          carried,
          hash,
          actor,
          requestId: ctx.requestId,
          appliedAt: null,
        });
        outcomes.set(index, "pending");
      }
      await storeConsumptions(em, carries);
    });
    return outcomes;
  }

  #carryOne(
    item: LegacyConsumptionItem,
    runId: string,
    actor: Actor,
    ctx: RequestContext,
  ): Promise<"applied" | "unchanged" | "pending"> {
    const carried = normalize(item);
    const hash = contentHash(carried);
    return this.#orm.em.fork().transactional(async (em) => {
      await lockConsumption(em, item.licenseId);
      // Not locked here: the license's row is locked by the counters' update only, after the machines
      // are inserted, in the order an activation takes them (distribution.activate_machine), so a
      // product activating one of the same machines meanwhile cannot deadlock with the carry.
      const license = await queryOne<{ legacy_key_hash: string | null }>(
        em,
        "select legacy_key_hash from distribution.licenses where license_id = $1",
        [item.licenseId],
      );
      const earlier = await readConsumption(em, item.licenseId);
      if (license && !license.legacy_key_hash) {
        throw new AppError(
          "invalid_state",
          `License ${item.licenseId} was not migrated from a legacy system (or its migration run was rolled back)`,
        );
      }
      // The same values again: nothing to do, unless they wait for a license that is here now (one
      // that arrived without its legacy key, and was given it by a later event).
      if (earlier?.content_hash === hash && (earlier.applied_at !== null || !license))
        return earlier.applied_at === null ? "pending" : "unchanged";
      await storeConsumptions(em, [
        {
          licenseId: item.licenseId,
          runId,
          carried,
          hash,
          actor,
          requestId: ctx.requestId,
          appliedAt: license ? new Date() : null,
        },
      ]);
      if (!license) return "pending";
      // The baseline the counters include: the previous carry, once it was applied.
      const previous = earlier?.applied_at ? fromRow(earlier) : undefined;
      const activated = await applyToLicense(em, item.licenseId, carried, previous);
      await recordAudit(em, {
        action: "legacy-consumption.applied",
        entityType: "license",
        entityId: item.licenseId,
        changes: { runId: [null, runId] },
        actor,
        ctx,
        reason: auditReason(runId, carried, activated),
      });
      return "applied";
    });
  }
}

/**
 * An item's error as its answer: a known error as it is; anything else logged, and answered as
 * `internal` for this item alone (the others' outcomes still reach the caller, and carrying again is
 * safe: each item is idempotent).
 */
function itemError(error: unknown, log: Logger): NonNullable<ItemResult["error"]> {
  const known = error instanceof AppError ? error : classifyDatabaseError(error);
  if (known) return { code: known.code, message: known.message };
  log.error({ err: error }, "carrying one legacy consumption item failed");
  return { code: "internal", message: "Carrying this item failed unexpectedly; the failure is logged" };
}
