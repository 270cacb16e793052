import {
  AppError,
  actorMay,
  type issuer,
  type LegacyImportResult,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { legacyKeyLookupHash } from "@licensing/model";
import type { SealedBox } from "@licensing/platform";
import { type EntityManager, type Orm, query } from "@licensing/platform";
import { LockMode } from "@mikro-orm/core";
import type { CatalogLookup } from "./catalog-lookup.ts";
import { LegacyLicenseEntity, LicenseEntity } from "./entities.ts";
import { requireActor } from "./issuance.ts";
import {
  countBy,
  inTurns,
  itemError,
  itemHash,
  lockItems,
  type NewLicense,
  originKey,
  type Prepared,
} from "./legacy-items.ts";
import { LegacyWrites } from "./legacy-writes.ts";
import type { SigningKeys } from "./signing-keys.ts";

type ImportRequest = RequestOf<typeof issuer.importLegacy>;

/**
 * Items imported at once, each on its own pooled connection: enough to overlap signing with the
 * database's round trips, few enough to leave the pool (10 by default) to other requests.
 */
const itemsAtOnce = 4;

export interface LegacyImportDeps {
  orm: Orm;
  catalog: CatalogLookup;
  signingKeys: SigningKeys;
  encryption: SealedBox;
}

/**
 * Importing legacy licenses (issue 14). An item is keyed by its source and legacy id: the same item
 * again changes nothing (`unchanged`), a different one signs a new version of the same license
 * (`updated`). A bad item is answered with its error and the others go on; none is ever half-written.
 * Items are checked and signed before anything is stored; the new ones are then stored together in
 * one transaction (what makes an import fast), everything else one item per transaction.
 */
export class LegacyImport {
  readonly #deps: LegacyImportDeps;
  readonly #writes: LegacyWrites;

  constructor(deps: LegacyImportDeps) {
    this.#deps = deps;
    this.#writes = new LegacyWrites(deps.encryption);
  }

  async import(
    request: ImportRequest,
    ctx: RequestContext,
  ): Promise<{ runId: string; items: LegacyImportResult[] }> {
    const actor = requireActor(ctx);
    if (!actorMay(actor, "license.import"))
      throw new AppError("forbidden", `${actor.username} may not import legacy licenses`);
    const signer = await this.#deps.signingKeys.signer();
    // The batch's accounts are asked of the catalog at once (fresh, as for a creation).
    const accounts = await this.#deps.catalog.licensableAccounts(
      request.items.map((item) => item.accountId),
      ctx,
    );
    const items: LegacyImportResult[] = new Array(request.items.length);
    const failed = (index: number, error: unknown): LegacyImportResult => {
      const { legacy } = request.items[index]!;
      return {
        index,
        source: legacy.source,
        legacyId: legacy.id,
        outcome: "failed",
        licenseId: null,
        error: itemError(error),
      };
    };
    const prepared: Prepared[] = [];
    await Promise.all(
      request.items.map(async (item, index) => {
        try {
          const account = accounts.get(item.accountId)!;
          if (account instanceof AppError) throw account;
          const products = await this.#deps.catalog.products(item.products, ctx);
          const legacyKeyHash = legacyKeyLookupHash(item.legacy.key);
          const hash = itemHash(item);
          prepared.push({
            index,
            item,
            runId: request.runId,
            legacyKeyHash,
            itemHash: hash,
            account,
            products,
            signer,
            actor,
            ctx,
          });
        } catch (error) {
          items[index] = failed(index, error);
        }
      }),
    );
    prepared.sort((a, b) => a.index - b.index);
    const answer = (
      p: Prepared,
      outcome: LegacyImportResult["outcome"],
      licenseId: string,
    ): LegacyImportResult => ({
      index: p.index,
      source: p.item.legacy.source,
      legacyId: p.item.legacy.id,
      outcome,
      licenseId,
      error: null,
    });

    // What is already known is answered at once (unchanged), and what is new is stored together.
    const rest: Prepared[] = [];
    const fresh: Prepared[] = [];
    const { known, held } = await this.#lookup(prepared);
    const seen = countBy(prepared, (p) => [originKey(p), `key ${p.legacyKeyHash}`]);
    for (const p of prepared) {
      const origin = known.get(originKey(p));
      if (origin && origin.itemHash === p.itemHash && seen.get(originKey(p)) === 1)
        items[p.index] = answer(p, "unchanged", origin.licenseId);
      else if (
        !origin &&
        !held.has(p.legacyKeyHash) &&
        seen.get(originKey(p)) === 1 &&
        seen.get(`key ${p.legacyKeyHash}`) === 1
      )
        fresh.push(p);
      else rest.push(p);
    }
    const signed: NewLicense[] = [];
    for (const p of fresh) {
      try {
        signed.push(this.#writes.signNew(p));
      } catch (error) {
        items[p.index] = failed(p.index, error);
      }
    }
    if (await this.#createTogether(signed)) {
      for (const n of signed) items[n.p.index] = answer(n.p, "created", n.row.id);
    } else rest.unshift(...signed.map((n) => n.p));

    // The rest one at a time, each in its own transaction (updates, repeated or disputed items, and
    // new ones whose bulk store met a concurrent import), a few at once. Items naming the same legacy
    // license or the same GUID go one after the other, in request order.
    const queue = inTurns(rest.sort((a, b) => a.index - b.index));
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const p of group) {
          try {
            const { outcome, licenseId } = await this.#importOne(p);
            items[p.index] = answer(p, outcome, licenseId!);
          } catch (error) {
            items[p.index] = failed(p.index, error);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(itemsAtOnce, queue.length) }, worker));
    return { runId: request.runId, items };
  }

  #importOne(p: Prepared): Promise<Pick<LegacyImportResult, "outcome" | "licenseId">> {
    return this.#deps.orm.em.fork().transactional(async (em) => {
      // Two imports of the same legacy license (another replica, a re-run started twice) go one after
      // the other, and so do two legacy licenses claiming the same GUID: the second sees what the
      // first committed (unchanged, or the key's holder) instead of failing on a unique constraint.
      await lockItems(em, [p]);
      const existing = await em.findOne(
        LegacyLicenseEntity,
        { source: p.item.legacy.source, legacyId: p.item.legacy.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (existing?.itemHash === p.itemHash) return { outcome: "unchanged", licenseId: existing.licenseId };
      const holder = await em.findOne(LicenseEntity, { legacyKeyHash: p.legacyKeyHash }, { fields: ["id"] });
      if (holder && holder.id !== existing?.licenseId) {
        const other = await em.findOne(LegacyLicenseEntity, { licenseId: holder.id });
        throw new AppError(
          "conflict",
          `The legacy key of ${p.item.legacy.source} ${p.item.legacy.id} already belongs to license ${holder.id}` +
            (other ? ` (${other.source} ${other.legacyId})` : ""),
          { licenseId: holder.id },
        );
      }
      if (existing) {
        await this.#writes.update(em, p, existing);
        return { outcome: "updated", licenseId: existing.licenseId };
      }
      return { outcome: "created", licenseId: await this.#writes.create(em, p) };
    });
  }

  /** The origins already imported of these items, and which of their GUIDs a license holds. */
  async #lookup(prepared: Prepared[]) {
    const known = new Map<string, { licenseId: string; itemHash: string }>();
    const held = new Set<string>();
    if (prepared.length === 0) return { known, held };
    const origins = await query<{ source: string; legacy_id: string; license_id: string; item_hash: string }>(
      this.#deps.orm,
      `select o.source, o.legacy_id, o.license_id, o.item_hash from issuer.legacy_licenses o
         join unnest($1::text[], $2::text[]) as k(source, legacy_id) using (source, legacy_id)`,
      [prepared.map((p) => p.item.legacy.source), prepared.map((p) => p.item.legacy.id)],
    );
    for (const o of origins)
      known.set(`${o.source} ${o.legacy_id}`, { licenseId: o.license_id, itemHash: o.item_hash });
    const holders = await query<{ legacy_key_hash: string }>(
      this.#deps.orm,
      "select legacy_key_hash from issuer.licenses where legacy_key_hash = any($1::text[])",
      [prepared.map((p) => p.legacyKeyHash)],
    );
    for (const h of holders) held.add(h.legacy_key_hash);
    return { known, held };
  }

  /**
   * Stores new licenses together: one transaction, one statement for all. Under the same locks as
   * an item alone, it checks again that none of them arrived meanwhile; if one did (another replica,
   * a re-run started twice), it stores nothing and answers false, and they go one at a time.
   */
  async #createTogether(signed: NewLicense[]): Promise<boolean> {
    if (signed.length === 0) return true;
    return this.#deps.orm.em.fork().transactional(async (em) => {
      await lockItems(
        em,
        signed.map((n) => n.p),
      );
      const { known, held } = await this.#lookupIn(
        em,
        signed.map((n) => n.p),
      );
      if (known > 0 || held > 0) return false;
      await this.#writes.storeNew(em, signed);
      return true;
    });
  }

  async #lookupIn(em: EntityManager, prepared: Prepared[]): Promise<{ known: number; held: number }> {
    const [row] = await query<{ known: number; held: number }>(
      em,
      `select (select count(*)::int from issuer.legacy_licenses o
                 join unnest($1::text[], $2::text[]) as k(source, legacy_id) using (source, legacy_id)) as known,
              (select count(*)::int from issuer.licenses where legacy_key_hash = any($3::text[])) as held`,
      [
        prepared.map((p) => p.item.legacy.source),
        prepared.map((p) => p.item.legacy.id),
        prepared.map((p) => p.legacyKeyHash),
      ],
    );
    return row!;
  }
}
