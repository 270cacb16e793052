import { AppError, issuerEvents, newId } from "@licensing/contracts";
import { generateLicenseKey, type License, licenseKeyLookupHash } from "@licensing/model";
import type { SealedBox } from "@licensing/platform";
import {
  type AuditRecord,
  auditRows,
  changesBetween,
  type EntityManager,
  eventRows,
  insertRowsTogether,
  recordAudit,
  recordEvent,
} from "@licensing/platform";
import { LockMode } from "@mikro-orm/core";
import {
  firstVersion,
  LegacyLicenseEntity,
  type LegacyLicenseRow,
  LicenseEntity,
  type LicenseRow,
  LicenseVersionEntity,
} from "./entities.ts";
import { type NewLicense, type Prepared, snapshotOf } from "./legacy-items.ts";
import { draftLicense } from "./license-draft.ts";
import { signWithinLimit } from "./license-signing.ts";
import { licenseFields, toEvent } from "./license-views.ts";

/** The metadata a migrated license's file carries its legacy origin in (docs/license-file-format.md). */
export const legacyMetadata = { source: "legacy.source", id: "legacy.id" } as const;

/**
 * What an import writes: a new license for a legacy one (signed in memory, then stored with its
 * first version, origin, audit entry and event), or a new version of one imported before. The
 * caller holds the item's locks and transaction.
 */
export class LegacyWrites {
  readonly #encryption: SealedBox;

  constructor(encryption: SealedBox) {
    this.#encryption = encryption;
  }

  async create(em: EntityManager, p: Prepared): Promise<string> {
    const created = this.signNew(p);
    await this.storeNew(em, [created]);
    return created.row.id;
  }

  /** A new license for the item, drafted and signed in memory (nothing stored yet). */
  signNew(p: Prepared): NewLicense {
    const id = newId("license");
    const now = new Date();
    const license = this.#draft(p, id, now);
    const licenseKey = generateLicenseKey();
    const file = signWithinLimit(license, p.signer, {});
    const row = {
      id,
      keyHash: licenseKeyLookupHash(licenseKey),
      keyHint: licenseKey.slice(-5),
      keyEnc: this.#encryption.seal(Buffer.from(licenseKey), `license key ${id}`),
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

  /** New licenses with their first versions, origins, audit entries and events, in one statement. */
  async storeNew(em: EntityManager, created: NewLicense[]): Promise<void> {
    await insertRowsTogether(em, [
      { entity: LicenseEntity, rows: created.map((n) => n.row) },
      {
        entity: LicenseVersionEntity,
        rows: created.map(({ p, row, file }) => firstVersion(row, file, p.actor)),
      },
      {
        entity: LegacyLicenseEntity,
        rows: created.map(({ p, row, now }) => ({
          ...this.#origin(p, now),
          source: p.item.legacy.source,
          legacyId: p.item.legacy.id,
          licenseId: row.id,
          createdRunId: p.runId,
          importedVersion: 1,
        })),
      },
      auditRows(
        ...created.map(({ p, row }) =>
          this.#auditRecord(p, row.id, "created", {
            kind: [null, row.kind],
            products: [null, row.products],
            endDate: [null, row.endDate?.toISOString() ?? null],
          }),
        ),
      ),
      eventRows(
        em,
        created.map(({ p, row, file }) => ({
          type: issuerEvents.licenseIssued,
          payload: toEvent(row, file, null),
          ctx: p.ctx,
        })),
      ),
    ]);
  }

  /** A new version of the license with what the legacy system says now (signed with the current key). */
  async update(em: EntityManager, p: Prepared, origin: LegacyLicenseRow): Promise<void> {
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
    const license = this.#draft(p, row.id, now, row.serial + 1);
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
  #draft(p: Prepared, id: string, now: Date, serial = 1): License {
    const { item } = p;
    return draftLicense({
      id,
      parameters: item,
      origin: item,
      account: p.account,
      products: p.products,
      actor: p.actor,
      keyId: p.signer.keyId,
      now,
      adjust: (drafted) => ({
        ...drafted,
        serial,
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
      }),
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
      entityType: "license",
      entityId: licenseId,
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
