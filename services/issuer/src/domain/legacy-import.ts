import {
  type Account,
  AppError,
  isAllowed,
  type issuer,
  issuerEvents,
  type LegacyImportResult,
  newId,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import {
  generateLicenseKey,
  type License,
  legacyKeyLookupHash,
  licenseKeyLookupHash,
} from "@licensing/model";
import {
  type EntityManager,
  insertRows,
  type Orm,
  query,
  recordEvent,
  recordEvents,
} from "@licensing/platform";
import { LockMode } from "@mikro-orm/core";
import { type AuditRecord, changesBetween, recordAudit } from "./audit.ts";
import type { CatalogLookup } from "./catalog-lookup.ts";
import {
  LegacyLicenseEntity,
  type LegacyLicenseRow,
  LicenseEntity,
  type LicenseRow,
  LicenseVersionEntity,
} from "./entities.ts";
import { requireActor } from "./issuance.ts";
import type { KeyEncryption } from "./key-encryption.ts";
import {
  countBy,
  inTurns,
  itemError,
  itemHash,
  lockItems,
  type NewLicense,
  originKey,
  type Prepared,
  snapshotOf,
} from "./legacy-items.ts";
import { checked, draftLicense } from "./license-draft.ts";
import { signWithinLimit } from "./license-signing.ts";
import { licenseFields, toEvent } from "./license-views.ts";
import type { SigningKeys } from "./signing-keys.ts";

type ImportRequest = RequestOf<typeof issuer.importLegacy>;

/**
 * Items imported at once, each on its own pooled connection: enough to overlap signing with the
 * database's round trips, few enough to leave the pool (10 by default) to other requests.
 */
const itemsAtOnce = 4;

/** The metadata a migrated license's file carries its legacy origin in (docs/license-file-format.md). */
export const legacyMetadata = { source: "legacy.source", id: "legacy.id" } as const;

export interface LegacyImportDeps {
  orm: Orm;
  catalog: CatalogLookup;
  signingKeys: SigningKeys;
  encryption: KeyEncryption;
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

  constructor(deps: LegacyImportDeps) {
    this.#deps = deps;
  }

  async import(
    request: ImportRequest,
    ctx: RequestContext,
  ): Promise<{ runId: string; items: LegacyImportResult[] }> {
    const actor = requireActor(ctx);
    if (!isAllowed(actor.roles, "license.import"))
      throw new AppError("forbidden", `${actor.username} may not import legacy licenses`);
    const signer = await this.#deps.signingKeys.signer();
    // Each account is asked of the catalog once a batch (fresh, as for a creation).
    const accounts = new Map<string, Promise<Account>>();
    const accountOf = (id: string) => {
      let account = accounts.get(id);
      if (!account) {
        account = this.#deps.catalog.licensableAccount(id, ctx);
        account.catch(() => {}); // awaited by each item that names it
        accounts.set(id, account);
      }
      return account;
    };
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
          const [account, products] = await Promise.all([
            accountOf(item.accountId),
            this.#deps.catalog.products(item.products, ctx),
          ]);
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
        signed.push(this.#signNew(p));
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
        await this.#update(em, p, existing);
        return { outcome: "updated", licenseId: existing.licenseId };
      }
      return { outcome: "created", licenseId: await this.#create(em, p) };
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
   * Stores new licenses together: one transaction, one statement per table. Under the same locks as
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
      await this.#storeNew(em, signed);
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

  async #create(em: EntityManager, p: Prepared): Promise<string> {
    const created = this.#signNew(p);
    await this.#storeNew(em, [created]);
    return created.row.id;
  }

  /** A new license for the item, drafted and signed in memory (nothing stored yet). */
  #signNew(p: Prepared): NewLicense {
    const id = newId("license");
    const now = new Date();
    const license = this.#draft(p, id, now);
    const licenseKey = generateLicenseKey();
    const file = signWithinLimit(license, p.signer, {});
    const row = {
      id,
      keyHash: licenseKeyLookupHash(licenseKey),
      keyHint: licenseKey.slice(-5),
      keyEnc: this.#deps.encryption.seal(Buffer.from(licenseKey), `license key ${id}`),
      accountId: p.account.id,
      accountName: p.account.name,
      ...licenseFields(license),
      encrypted: false,
      state: "active" as const,
      stateReason: null,
      createdBy: p.actor.id,
      createdByName: license.createdBy,
      batchId: null,
      presetId: null,
      legacyKeyHash: p.legacyKeyHash,
      version: 1,
      createdAt: now,
      updatedAt: now,
    } satisfies LicenseRow;
    return { p, row, file, now };
  }

  /** New licenses with their first versions, origins, audit entries and events: a statement per table. */
  async #storeNew(em: EntityManager, created: NewLicense[]): Promise<void> {
    await insertRows(
      em,
      LicenseEntity,
      created.map((n) => n.row),
    );
    await insertRows(
      em,
      LicenseVersionEntity,
      created.map(({ p, row, file }) => ({
        licenseId: row.id,
        serial: row.serial,
        keyId: row.keyId,
        signedAt: row.signedAt,
        reason: "issued" as const,
        endDate: row.endDate,
        file,
        createdBy: p.actor.id,
        createdByName: p.actor.username,
      })),
    );
    await insertRows(
      em,
      LegacyLicenseEntity,
      created.map(({ p, row, now }) => ({
        ...this.#origin(p, now),
        source: p.item.legacy.source,
        legacyId: p.item.legacy.id,
        licenseId: row.id,
        createdRunId: p.runId,
        importedVersion: 1,
      })),
    );
    await recordAudit(
      em,
      ...created.map(({ p, row }) =>
        this.#auditRecord(p, row.id, "created", {
          kind: [null, row.kind],
          products: [null, row.products],
          endDate: [null, row.endDate?.toISOString() ?? null],
        }),
      ),
    );
    await recordEvents(
      em,
      created.map(({ p, row, file }) => ({
        type: issuerEvents.licenseIssued,
        payload: toEvent(row, file, null),
        ctx: p.ctx,
      })),
    );
  }

  /** A new version of the license with what the legacy system says now (signed with the current key). */
  async #update(em: EntityManager, p: Prepared, origin: LegacyLicenseRow): Promise<void> {
    const row = await em.findOneOrFail(
      LicenseEntity,
      { id: origin.licenseId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (row.state === "revoked")
      throw new AppError(
        "invalid_state",
        `License ${row.id} (${origin.source} ${origin.legacyId}) is revoked; its import cannot change it`,
      );
    const now = new Date();
    const drafted = this.#draft(p, row.id, now);
    const license = checked({ ...drafted, serial: row.serial + 1 });
    const file = signWithinLimit(license, p.signer, {});
    const before = snapshotOf(row);
    Object.assign(row, licenseFields(license), {
      accountId: p.account.id,
      accountName: p.account.name,
      createdByName: license.createdBy,
      legacyKeyHash: p.legacyKeyHash,
    });
    em.create(LicenseVersionEntity, {
      licenseId: row.id,
      serial: row.serial,
      keyId: row.keyId,
      signedAt: now,
      reason: "reissued",
      endDate: row.endDate,
      file,
      createdBy: p.actor.id,
      createdByName: p.actor.username,
    });
    await em.flush();
    Object.assign(origin, this.#origin(p, now), { importedVersion: row.version });
    await em.flush();
    await recordAudit(em, this.#auditRecord(p, row.id, "updated", changesBetween(before, snapshotOf(row))));
    await recordEvent(
      em,
      issuerEvents.licenseReissued,
      toEvent(row, file, `legacy import, run ${p.runId}`),
      p.ctx,
    );
  }

  /**
   * The license the item describes: drafted as a creation would be (the products' defaults, their
   * offers and the model's rules), then given its legacy origin: the issue date and creator the
   * legacy system recorded, its owner as recorded there, and the legacy source and id in metadata.
   */
  #draft(p: Prepared, id: string, now: Date): License {
    const { item } = p;
    const drafted = draftLicense({
      id,
      parameters: item,
      origin: item,
      account: p.account,
      products: p.products,
      actor: p.actor,
      keyId: p.signer.keyId,
      now,
    });
    return checked({
      ...drafted,
      dateIssued: new Date(item.legacy.dateIssued).toISOString(),
      createdBy: item.legacy.createdBy,
      ownerCompany: item.ownerCompany ?? drafted.ownerCompany,
      ownerName: item.ownerName !== undefined ? item.ownerName : drafted.ownerName,
      ownerEmail: item.ownerEmail !== undefined ? item.ownerEmail : drafted.ownerEmail,
      metadata: {
        ...drafted.metadata,
        [legacyMetadata.source]: item.legacy.source,
        [legacyMetadata.id]: item.legacy.id,
      },
    });
  }

  #origin(p: Prepared, now: Date) {
    return {
      runId: p.runId,
      itemHash: p.itemHash,
      dateIssued: new Date(p.item.legacy.dateIssued),
      createdBy: p.item.legacy.createdBy,
      licenseFile: p.item.legacy.licenseFile ?? null,
      importedAt: now,
    };
  }

  #auditRecord(
    p: Prepared,
    licenseId: string,
    outcome: "created" | "updated",
    changes: Record<string, [unknown, unknown]>,
  ): AuditRecord {
    return {
      licenseId,
      action: "license.imported",
      actor: p.actor,
      ctx: p.ctx,
      reason: `migration run ${p.runId}`,
      changes: {
        ...changes,
        runId: [null, p.runId],
        source: [null, p.item.legacy.source],
        legacyId: [null, p.item.legacy.id],
        outcome: [null, outcome],
      },
    };
  }
}
