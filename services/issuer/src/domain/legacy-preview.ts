import {
  AppError,
  actorMay,
  type issuer,
  type LegacyLicenseItem,
  type LegacyPreviewResult,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { legacyKeyLookupHash } from "@licensing/model";
import { type Orm, query } from "@licensing/platform";
import { requireActor } from "./issuance.ts";
import { itemHash } from "./legacy-items.ts";

type PreviewRequest = RequestOf<typeof issuer.previewLegacy>;

/**
 * What an import of legacy licenses would do, for a migration's dry run: the same identity (source
 * and legacy id), content hash and key ownership an import decides by, read without locks and
 * without storing anything. Whether the issuer would accept each item (its account, products and
 * limits) is the import's to say; a dry run reports what the mapping and the catalog can tell.
 */
export async function previewLegacy(
  orm: Orm,
  request: PreviewRequest,
  ctx: RequestContext,
): Promise<{ items: LegacyPreviewResult[] }> {
  const actor = requireActor(ctx);
  if (!actorMay(actor, "license.import"))
    throw new AppError("forbidden", `${actor.username} may not import legacy licenses`);
  const items = request.items.map((item) => ({
    item,
    keyHash: legacyKeyLookupHash(item.legacy.key),
    // An account the run has yet to create hashes as null: the item differs from any stored one.
    hash: itemHash(item as LegacyLicenseItem),
  }));
  const origins = await query<{ source: string; legacy_id: string; license_id: string; item_hash: string }>(
    orm,
    `select o.source, o.legacy_id, o.license_id, o.item_hash from issuer.legacy_licenses o
       join unnest($1::text[], $2::text[]) as k(source, legacy_id) using (source, legacy_id)`,
    [items.map((i) => i.item.legacy.source), items.map((i) => i.item.legacy.id)],
  );
  const known = new Map(origins.map((o) => [`${o.source} ${o.legacy_id}`, o]));
  const holders = await query<{ id: string; legacy_key_hash: string }>(
    orm,
    "select id, legacy_key_hash from issuer.licenses where legacy_key_hash = any($1::text[])",
    [items.map((i) => i.keyHash)],
  );
  const holderOf = new Map(holders.map((h) => [h.legacy_key_hash, h.id]));
  return {
    items: items.map(({ item, keyHash, hash }, index) => {
      const { source, id: legacyId } = item.legacy;
      const origin = known.get(`${source} ${legacyId}`);
      const holder = holderOf.get(keyHash);
      const answer = (
        outcome: LegacyPreviewResult["outcome"],
        licenseId: string | null,
        message = null as string | null,
      ) => ({ index, source, legacyId, outcome, licenseId, message }) satisfies LegacyPreviewResult;
      if (holder !== undefined && holder !== origin?.license_id)
        return answer("conflict", holder, `The legacy key already belongs to license ${holder}`);
      if (!origin) return answer("created", null);
      return answer(origin.item_hash === hash ? "unchanged" : "updated", origin.license_id);
    }),
  };
}
