import {
  type Actor,
  AppError,
  type IssuedLicense,
  type issuer,
  issuerEvents,
  newId,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { generateLicenseKey, licenseKeyLookupHash, signLicense } from "@licensing/model";
import { type EntityManager, GroupCommit, type Orm, recordEvent } from "@licensing/platform";
import { recordAudit } from "./audit.ts";
import type { CatalogLookup } from "./catalog-lookup.ts";
import { LicenseEntity, type LicenseRow, LicenseVersionEntity } from "./entities.ts";
import { type IdempotencyStore, type IdempotentRequest, idempotentRequest } from "./idempotency.ts";
import type { KeyEncryption } from "./key-encryption.ts";
import { draftLicense } from "./license-draft.ts";
import { licenseFields, toDetail, toEvent } from "./license-views.ts";
import type { SigningKeys } from "./signing-keys.ts";

type CreateRequest = RequestOf<typeof issuer.createLicense>;
type CreateResponse = { batchId: string | null; licenses: IssuedLicense[] };

/** A license signed and ready to store: the row, its first version, and the answer to give. */
interface Signed {
  row: LicenseRow;
  file: string;
  issued: IssuedLicense;
}

interface Creation {
  idempotency: IdempotentRequest | null;
  licenses: Signed[];
  actor: Actor;
  ctx: RequestContext;
  response: CreateResponse;
}

export interface IssuanceDeps {
  orm: Orm;
  catalog: CatalogLookup;
  signingKeys: SigningKeys;
  encryption: KeyEncryption;
  idempotency: IdempotencyStore;
  defaultNotifyDays: number;
}

/**
 * Creating licenses: checks the account and products with the catalog, drafts each license from
 * the request and the product defaults, generates its key, signs it, and stores it with its first
 * version, its audit entry and its `license.issued` event. Concurrent creations are committed
 * together (group commit): one transaction, one fsync, for whatever arrived meanwhile.
 */
export class Issuance {
  readonly #deps: IssuanceDeps;
  readonly #committer: GroupCommit<Creation, CreateResponse>;

  constructor(deps: IssuanceDeps) {
    this.#deps = deps;
    this.#committer = new GroupCommit((creations) => this.#store(creations), { maxBatch: 64 });
  }

  async create(
    request: CreateRequest,
    ctx: RequestContext,
    presetId: string | null = null,
  ): Promise<CreateResponse> {
    const actor = requireActor(ctx);
    const idempotency = idempotentRequest(`license.create ${actor.id}`, request.idempotencyKey, request);
    if (idempotency) {
      const earlier = await this.#deps.idempotency.find<CreateResponse>(
        this.#deps.orm.em.fork(),
        idempotency,
      );
      if (earlier) return earlier;
    }
    const [account, products, signer] = await Promise.all([
      this.#deps.catalog.licensableAccount(request.accountId, ctx),
      this.#deps.catalog.products(request.products, ctx),
      this.#deps.signingKeys.signer(),
    ]);
    const now = new Date();
    const batchId = request.count > 1 ? newId("batch") : null;
    const licenses: Signed[] = [];
    for (let i = 0; i < request.count; i++) {
      const id = newId("license");
      const license = draftLicense({
        id,
        parameters: request,
        account,
        products,
        actor,
        keyId: signer.keyId,
        now,
      });
      const licenseKey = generateLicenseKey();
      const file = signLicense(license, signer, request.encrypted ? { encryptWith: licenseKey } : {});
      const row = {
        id,
        keyHash: licenseKeyLookupHash(licenseKey),
        keyHint: licenseKey.slice(-5),
        keyEnc: this.#deps.encryption.seal(Buffer.from(licenseKey), `license key ${id}`),
        accountId: account.id,
        accountName: account.name,
        ...licenseFields(license),
        encrypted: request.encrypted ?? false,
        state: "active" as const,
        stateReason: null,
        createdBy: actor.id,
        createdByName: actor.username,
        batchId,
        presetId,
        version: 1,
        createdAt: now,
        updatedAt: now,
      } satisfies LicenseRow;
      licenses.push({
        row,
        file,
        issued: { license: toDetail(row, now, this.#deps.defaultNotifyDays), licenseKey, file },
      });
    }
    const response = { batchId, licenses: licenses.map((l) => l.issued) };
    return this.#committer.submit({ idempotency, licenses, actor, ctx, response });
  }

  /** Resolves once every submitted creation is stored (for a graceful stop). */
  settled(): Promise<void> {
    return this.#committer.settled();
  }

  async #store(creations: Creation[]): Promise<(CreateResponse | Error)[]> {
    return this.#deps.orm.em.fork().transactional(async (em) => {
      const outcomes: (CreateResponse | Error)[] = [];
      const accepted: Creation[] = [];
      for (const creation of creations) {
        try {
          const earlier = creation.idempotency
            ? await this.#deps.idempotency.claim(em, creation.idempotency, creation.response)
            : undefined;
          outcomes.push(earlier ?? creation.response);
          if (!earlier) accepted.push(creation);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          outcomes.push(error);
        }
      }
      // Licenses first: their versions refer to them.
      for (const creation of accepted) for (const { row } of creation.licenses) em.create(LicenseEntity, row);
      await em.flush();
      for (const creation of accepted)
        for (const license of creation.licenses) recordIssued(em, license, creation);
      return outcomes;
    });
  }
}

/** The first version of a new license, its audit entry and its `license.issued` event. */
function recordIssued(em: EntityManager, { row, file }: Signed, { actor, ctx }: Creation): void {
  em.create(LicenseVersionEntity, {
    licenseId: row.id,
    serial: row.serial,
    keyId: row.keyId,
    signedAt: row.signedAt,
    reason: "issued",
    endDate: row.endDate,
    file,
    createdBy: actor.id,
  });
  recordAudit(em, {
    licenseId: row.id,
    action: "license.issued",
    actor,
    ctx,
    changes: {
      kind: [null, row.kind],
      products: [null, row.products],
      endDate: [null, row.endDate?.toISOString() ?? null],
    },
  });
  recordEvent(em, issuerEvents.licenseIssued, toEvent(row, file, null), ctx);
}

/** Licenses record who made them: every change needs a signed-in operator. */
export function requireActor(ctx: RequestContext): Actor {
  if (!ctx.actor)
    throw new AppError("unauthorized", "This request carries no acting user (Lic-Actor header)");
  return ctx.actor;
}
