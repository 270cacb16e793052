import {
  AppError,
  amendableFields,
  type FieldIssue,
  type issuer,
  issuerEvents,
  type LicenseDetail,
  type LicenseParameters,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { canonicalize } from "@licensing/model";
import type { SealedBox } from "@licensing/platform";
import { changesBetween, type Orm, recordAudit, recordEvent } from "@licensing/platform";
import type { CatalogLookup } from "./catalog-lookup.ts";
import { type LicenseRow, LicenseVersionEntity } from "./entities.ts";
import type { ExpiryRule } from "./expiry.ts";
import { type IdempotencyStore, idempotentRequest } from "./idempotency.ts";
import { requireActor } from "./issuance.ts";
import { draftLicense } from "./license-draft.ts";
import { signWithinLimit } from "./license-signing.ts";
import { licenseFields, toDetail, toEvent } from "./license-views.ts";
import { lockLicense } from "./lifecycle.ts";
import type { SigningKeys } from "./signing-keys.ts";
import type { UsageLookup } from "./usage-lookup.ts";

const day = 86_400_000;

type AmendRequest = RequestOf<typeof issuer.amend>;
type Amendable = (typeof amendableFields)[number];
type Amended = Pick<LicenseParameters, Amendable>;

export interface AmendmentDeps {
  orm: Orm;
  catalog: CatalogLookup;
  usage: UsageLookup;
  signingKeys: SigningKeys;
  encryption: SealedBox;
  idempotency: IdempotencyStore;
  expiry: ExpiryRule;
}

/**
 * Amending a license (docs/issuer.md, "Amending a license"): what it grants changes, and a new
 * version is signed with a new serial, as a renewal is. The amended license is drafted again the
 * way a creation drafts one (draftLicense: the products' offers, the kind's rights, the notice
 * window, the model's rules), from the license's current values with the amendment over them; what
 * identifies it (its id, key, account, owner, kind, start, issue date and creator) stays.
 */
export class Amendment {
  readonly #deps: AmendmentDeps;

  constructor(deps: AmendmentDeps) {
    this.#deps = deps;
  }

  async amend(request: AmendRequest, ctx: RequestContext): Promise<LicenseDetail> {
    const { id } = request;
    const note = request.reason ?? null;
    const actor = requireActor(ctx);
    const asked = askedChanges(request);
    const idempotency = idempotentRequest(`license.amended ${actor.id}`, request.idempotencyKey, request);
    const signer = await this.#deps.signingKeys.signer();
    return this.#deps.orm.em.fork().transactional(async (em) => {
      const row = await lockLicense(em, id);
      const earlier = idempotency
        ? await this.#deps.idempotency.find<LicenseDetail>(em, idempotency)
        : undefined;
      if (earlier) return earlier;
      if (row.state === "revoked")
        throw new AppError("invalid_state", `License ${id} is revoked; it cannot be amended`);
      const current = amendableOf(row);
      const changed = amendableFields.filter(
        (field) => asked[field] !== undefined && !same(asked[field], current[field]),
      );
      if (changed.length === 0)
        throw new AppError(
          "validation_failed",
          "The amendment changes nothing: every value given is the license's current one",
          { issues: [{ path: "", message: "changes nothing: give at least one new value" }] },
        );
      const amended: Amended = { ...current, ...definedOnly(asked) };
      // As renewals write it: an instant in ISO-8601 with milliseconds, whatever form it was given in.
      if (amended.endDate) amended.endDate = new Date(amended.endDate).toISOString();
      checkProductsKept(row.products, amended.products);
      if (!changed.includes("notifyDays")) amended.notifyDays = noticeFitting(row, amended);
      // The catalog's word now: an archived account is not granted more; unknown products are named.
      const [account, products] = await Promise.all([
        this.#deps.catalog.licensableAccount(row.accountId),
        this.#deps.catalog.products(amended.products, ctx),
      ]);
      const now = new Date();
      const license = draftLicense({
        id,
        parameters: {
          ...amended,
          kind: row.kind,
          internal: row.internal,
          licenseType: row.licenseType,
          unitsType: row.unitsType,
          startDate: row.startDate.toISOString(),
          encrypted: row.encrypted,
        },
        origin: {
          ownerIpAddress: row.ownerIpAddress ?? undefined,
          createdAtComputer: row.createdAtComputer ?? undefined,
        },
        account,
        products,
        actor,
        keyId: signer.keyId,
        now,
        adjust: (drafted) => ({
          ...drafted,
          serial: row.serial + 1,
          dateIssued: row.dateIssued.toISOString(),
          createdBy: row.createdByName,
          ownerCompany: row.ownerCompany,
          ownerName: row.ownerName ?? null,
          ownerEmail: row.ownerEmail ?? null,
        }),
      });
      await this.#checkInUse(row, amended, ctx);
      const licenseKey = row.encrypted
        ? this.#deps.encryption.open(row.keyEnc, `license key ${id}`).toString()
        : undefined;
      const file = signWithinLimit(license, signer, licenseKey ? { encryptWith: licenseKey } : {});
      const before = snapshot(row);
      Object.assign(row, licenseFields(license));
      em.create(LicenseVersionEntity, {
        licenseId: id,
        serial: row.serial,
        keyId: signer.keyId,
        signedAt: now,
        reason: "amended",
        endDate: row.endDate,
        file,
        createdBy: actor.id,
        createdByName: actor.username,
      });
      await em.flush();
      await recordAudit(em, {
        entityType: "license",
        entityId: id,
        action: "license.amended",
        actor,
        ctx,
        reason: note,
        changes: changesBetween(before, snapshot(row)),
      });
      await recordEvent(em, issuerEvents.licenseAmended, toEvent(row, file, note), ctx);
      const answer = toDetail(row, now, this.#deps.expiry);
      if (idempotency) await this.#deps.idempotency.claim(em, idempotency, answer);
      return answer;
    });
  }

  /**
   * Activations and units may be lowered, but not below what is in use: the machines activated now,
   * the units consumed so far. Only distribution knows; when it cannot say, the amendment goes ahead
   * (distribution enforces the new limits on the next activation and use).
   */
  async #checkInUse(row: LicenseRow, amended: Amended, ctx: RequestContext): Promise<void> {
    const lowered = (before: number, after: number | undefined) =>
      after !== undefined && after !== -1 && (before === -1 || after < before);
    const activations = lowered(row.availableActivations, amended.availableActivations);
    const units = lowered(row.accumulatedUnits, amended.accumulatedUnits);
    if (!activations && !units) return;
    const usage = await this.#deps.usage.of(row.id, ctx);
    if (!usage) return;
    const issues: FieldIssue[] = [];
    if (activations && amended.availableActivations! < usage.activeMachines)
      issues.push({
        path: "availableActivations",
        message: `is below the ${usage.activeMachines} machines activated now: deactivate machines first, or allow at least ${usage.activeMachines}`,
      });
    if (units && amended.accumulatedUnits! < usage.balance.unitsConsumed)
      issues.push({
        path: "accumulatedUnits",
        message: `is below the ${usage.balance.unitsConsumed} units already consumed: allow at least ${usage.balance.unitsConsumed}`,
      });
    if (issues.length > 0) throw AppError.validation(issues);
  }
}

function askedChanges(request: AmendRequest): Partial<Amended> {
  return Object.fromEntries(
    amendableFields.filter((field) => request[field] !== undefined).map((field) => [field, request[field]]),
  ) as Partial<Amended>;
}

function definedOnly(asked: Partial<Amended>): Partial<Amended> {
  return Object.fromEntries(Object.entries(asked).filter(([, value]) => value !== undefined));
}

/** What an amendment may change, as the license has it now (request form). */
function amendableOf(row: LicenseRow): Amended {
  return {
    products: row.products,
    availableActivations: row.availableActivations,
    accumulatedUnits: row.accumulatedUnits,
    unitsPerExecution: row.unitsPerExecution,
    seats: row.seats,
    endDate: row.endDate?.toISOString() ?? null,
    notifyDays: row.notifyDays ?? null,
    executionModes: row.executionModes,
    customFeatures: row.customFeatures,
    metadata: row.metadata,
    friendlyRestrictions: row.friendlyRestrictions,
  };
}

/** Equal as values: dates as instants, maps whatever their key order. */
function same(a: unknown, b: unknown): boolean {
  const instant = (value: unknown) =>
    typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) ? new Date(value).toISOString() : value;
  return canonicalize(instant(a)) === canonicalize(instant(b));
}

/**
 * An amendment adds products: it keeps the main product first and every other one the license has.
 * A license without one of them is another license (clone it as a new one).
 */
function checkProductsKept(before: string[], after: string[]): void {
  const issues: FieldIssue[] = [];
  if (after[0] !== before[0])
    issues.push({
      path: "products.0",
      message: `must stay ${before[0]}, the license's main product (clone as a new license to change it)`,
    });
  const dropped = before.filter((code) => !after.includes(code));
  if (dropped.length > 0)
    issues.push({
      path: "products",
      message: `keeps every product the license has: ${dropped.join(", ")} would be removed (clone as a new license to drop one)`,
    });
  if (issues.length > 0) throw AppError.validation(issues);
}

/**
 * The license's notice window when the amendment does not set one: kept, or shortened to fit a
 * license the amendment made shorter (as a product's default is shortened at creation).
 */
function noticeFitting(row: LicenseRow, amended: Amended): number | null {
  const notice = row.notifyDays ?? null;
  if (notice === null || !amended.endDate) return notice;
  const length = Math.floor((new Date(amended.endDate).getTime() - row.startDate.getTime()) / day);
  return length >= 0 && notice > length ? length : notice;
}

/** What the audit entry compares: the amendable values and the version. */
function snapshot(row: LicenseRow): Record<string, unknown> {
  return {
    ...amendableOf(row),
    products: [...row.products],
    serial: row.serial,
    keyId: row.keyId,
  };
}
