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
import { generateLicenseKey, licenseKeyLookupHash } from "@licensing/model";
import type { SealedBox } from "@licensing/platform";
import {
  auditRows,
  type EntityManager,
  eventRows,
  GroupCommit,
  insertRowsTogether,
  type Orm,
  traceCarrier,
} from "@licensing/platform";
import type { CatalogLookup } from "./catalog-lookup.ts";
import { firstVersion, LicenseEntity, type LicenseRow, LicenseVersionEntity } from "./entities.ts";
import type { ExpiryRule } from "./expiry.ts";
import { type IdempotencyStore, type IdempotentRequest, idempotentRequest } from "./idempotency.ts";
import { draftLicense } from "./license-draft.ts";
import { checkBatchSize, signWithinLimit } from "./license-signing.ts";
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
  /** The trace context of the request: the batch is written in another request's context. */
  traceContext: Record<string, string> | null;
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
  encryption: SealedBox;
  idempotency: IdempotencyStore;
  expiry: ExpiryRule;
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
    this.#committer = new GroupCommit((creations) => this.#store(creations), {
      maxBatch: 64,
      concurrency: 2,
    });
  }

  async create(
    request: CreateRequest,
    ctx: RequestContext,
    presetId: string | null = null,
  ): Promise<CreateResponse> {
    const actor = requireActor(ctx);
    // Where the request came from is not part of what it asks: a retry from another address (the
    // gateway fills it in) is the same request, and gets the first answer.
    const { ownerIpAddress: _ip, createdAtComputer: _computer, ...asked } = request;
    const idempotency = idempotentRequest(`license.create ${actor.id}`, request.idempotencyKey, asked);
    if (idempotency) {
      const earlier = await this.#deps.idempotency.find<CreateResponse>(
        this.#deps.orm.em.fork(),
        idempotency,
      );
      if (earlier) return earlier;
    }
    const [account, products, signer] = await Promise.all([
      this.#deps.catalog.licensableAccount(request.accountId),
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
        origin: request,
        account,
        products,
        actor,
        keyId: signer.keyId,
        now,
      });
      const licenseKey = generateLicenseKey();
      const file = signWithinLimit(license, signer, request.encrypted ? { encryptWith: licenseKey } : {});
      if (i === 0) checkBatchSize(file.length, request.count);
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
        legacyKeyHash: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      } satisfies LicenseRow;
      licenses.push({
        row,
        file,
        issued: { license: toDetail(row, now, this.#deps.expiry), licenseKey, file },
      });
    }
    const response = { batchId, licenses: licenses.map((l) => l.issued) };
    return this.#committer.submit({
      traceContext: traceCarrier(),
      idempotency,
      licenses,
      actor,
      ctx,
      response,
    });
  }

  /** Resolves once every submitted creation is stored (for a graceful stop). */
  settled(): Promise<void> {
    return this.#committer.settled();
  }

  async #store(creations: Creation[]): Promise<(CreateResponse | Error)[]> {
    // With no idempotency key to claim first, the batch is one statement that commits on its own:
    // one round trip to PostgreSQL, where BEGIN and COMMIT around it made three (issue 20).
    if (creations.every((creation) => !creation.idempotency)) {
      await storeIssued(this.#deps.orm.em.fork(), creations);
      return creations.map((creation) => creation.response);
    }
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
      await storeIssued(em, accepted);
      return outcomes;
    });
  }
}

/**
 * New licenses with their first versions, audit entries and `license.issued` events, in one
 * statement for the whole batch (inside the transaction of `em`, or committing on its own): one
 * round trip to PostgreSQL, where one a table made a small group commit wait four times on the event
 * loop and the database (issue 20).
 */
async function storeIssued(em: EntityManager, creations: Creation[]): Promise<void> {
  const issued = creations.flatMap((creation) =>
    creation.licenses.map((license) => ({ ...license, creation })),
  );
  if (issued.length === 0) return;
  await insertRowsTogether(em, [
    { entity: LicenseEntity, rows: issued.map(({ row }) => row) },
    {
      entity: LicenseVersionEntity,
      rows: issued.map(({ row, file, creation }) => firstVersion(row, file, creation.actor)),
    },
    auditRows(
      ...issued.map(({ row, creation }) => ({
        entityType: "license",
        entityId: row.id,
        action: "license.issued",
        actor: creation.actor,
        ctx: creation.ctx,
        changes: {
          kind: [null, row.kind],
          products: [null, row.products],
          endDate: [null, row.endDate?.toISOString() ?? null],
        } as Record<string, [unknown, unknown]>,
      })),
    ),
    eventRows(
      em,
      issued.map(({ row, file, creation }) => ({
        type: issuerEvents.licenseIssued,
        payload: toEvent(row, file, null),
        ctx: creation.ctx,
        traceContext: creation.traceContext,
      })),
    ),
  ]);
}

/** Licenses record who made them: every change needs a signed-in operator. */
export function requireActor(ctx: RequestContext): Actor {
  if (!ctx.actor)
    throw new AppError("unauthorized", "This request carries no acting user (Lic-Actor header)");
  return ctx.actor;
}
