import { createHash } from "node:crypto";
import {
  type Account,
  type Actor,
  AppError,
  isAllowed,
  type issuer,
  issuerEvents,
  type LegacyImportResult,
  type LegacyLicenseItem,
  newId,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import {
  canonicalize,
  generateLicenseKey,
  type License,
  legacyKeyLookupHash,
  licenseKeyLookupHash,
  parseLegacyKey,
  type Signer,
} from "@licensing/model";
import { type EntityManager, insertRows, type Orm, recordEvent } from "@licensing/platform";
import { LockMode, UniqueConstraintViolationException } from "@mikro-orm/core";
import { changesBetween, recordAudit } from "./audit.ts";
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
import { checked, draftLicense } from "./license-draft.ts";
import { signWithinLimit } from "./license-signing.ts";
import { licenseFields, toEvent } from "./license-views.ts";
import type { SigningKeys } from "./signing-keys.ts";

type ImportRequest = RequestOf<typeof issuer.importLegacy>;

/** The metadata a migrated license's file carries its legacy origin in (docs/license-file-format.md). */
export const legacyMetadata = { source: "legacy.source", id: "legacy.id" } as const;

export interface LegacyImportDeps {
  orm: Orm;
  catalog: CatalogLookup;
  signingKeys: SigningKeys;
  encryption: KeyEncryption;
}

/** One item, read: what every step needs of it. */
interface Prepared {
  index: number;
  item: LegacyLicenseItem;
  runId: string;
  legacyKeyHash: string;
  itemHash: string;
  account: Account;
  products: Awaited<ReturnType<CatalogLookup["products"]>>;
  signer: Signer;
  actor: Actor;
  ctx: RequestContext;
}

/**
 * Importing legacy licenses (issue 14). Each item is imported in its own transaction: a bad item is
 * answered with its error and the others go on, and none is ever half-written. An item is keyed by
 * its source and legacy id: the same item again changes nothing (`unchanged`), a different one signs
 * a new version of the same license (`updated`).
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
    const items: LegacyImportResult[] = [];
    for (const [index, item] of request.items.entries()) {
      const base = { index, source: item.legacy.source, legacyId: item.legacy.id };
      try {
        const [account, products] = await Promise.all([
          accountOf(item.accountId),
          this.#deps.catalog.products(item.products, ctx),
        ]);
        const prepared: Prepared = {
          index,
          item,
          runId: request.runId,
          legacyKeyHash: legacyKeyLookupHash(item.legacy.key),
          itemHash: itemHash(item),
          account,
          products,
          signer,
          actor,
          ctx,
        };
        items.push({ ...base, ...(await this.#importOne(prepared)), error: null });
      } catch (error) {
        items.push({ ...base, outcome: "failed", licenseId: null, error: itemError(error) });
      }
    }
    return { runId: request.runId, items };
  }

  #importOne(p: Prepared): Promise<Pick<LegacyImportResult, "outcome" | "licenseId">> {
    return this.#deps.orm.em.fork().transactional(async (em) => {
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

  async #create(em: EntityManager, p: Prepared): Promise<string> {
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
    await insertRows(em, LicenseEntity, [row]);
    await insertRows(em, LicenseVersionEntity, [
      {
        licenseId: id,
        serial: row.serial,
        keyId: row.keyId,
        signedAt: row.signedAt,
        reason: "issued" as const,
        endDate: row.endDate,
        file,
        createdBy: p.actor.id,
        createdByName: p.actor.username,
      },
    ]);
    await insertRows(em, LegacyLicenseEntity, [
      {
        ...this.#origin(p, now),
        source: p.item.legacy.source,
        legacyId: p.item.legacy.id,
        licenseId: id,
        createdRunId: p.runId,
        importedVersion: 1,
      },
    ]);
    await this.#audit(em, p, id, "created", {
      kind: [null, row.kind],
      products: [null, row.products],
      endDate: [null, row.endDate?.toISOString() ?? null],
    });
    await recordEvent(em, issuerEvents.licenseIssued, toEvent(row, file, null), p.ctx);
    return id;
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
    await this.#audit(em, p, row.id, "updated", changesBetween(before, snapshotOf(row)));
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

  #audit(
    em: EntityManager,
    p: Prepared,
    licenseId: string,
    outcome: "created" | "updated",
    changes: Record<string, [unknown, unknown]>,
  ): Promise<void> {
    return recordAudit(em, {
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
    });
  }
}

/**
 * What identifies an item's content: SHA-256 of its canonical JSON, the legacy key in its normal
 * form (a GUID spelled otherwise is the same item).
 */
function itemHash(item: LegacyLicenseItem): string {
  const normal = { ...item, legacy: { ...item.legacy, key: parseLegacyKey(item.legacy.key) } };
  return createHash("sha256").update(canonicalize(normal)).digest("hex");
}

function snapshotOf(row: LicenseRow): Record<string, unknown> {
  const { keyEnc: _key, version: _version, createdAt: _created, updatedAt: _updated, ...fields } = row;
  return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
}

/** An item's failure as its answer says it; a failure of the service itself fails the request. */
function itemError(error: unknown): NonNullable<LegacyImportResult["error"]> {
  if (error instanceof UniqueConstraintViolationException) {
    return {
      code: "conflict",
      message: "Another import of the same legacy license or key committed first; run the batch again",
    };
  }
  if (!(error instanceof AppError) || error.code === "internal" || error.code === "service_unavailable")
    throw error;
  return {
    code: error.code,
    message: error.message,
    ...(error.details?.issues ? { issues: error.details.issues } : {}),
  };
}
