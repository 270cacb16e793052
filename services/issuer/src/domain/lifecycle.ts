import {
  AppError,
  type EventType,
  type issuer,
  issuerEvents,
  type LicenseDetail,
  type LicenseEvent,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import type { SealedBox } from "@licensing/platform";
import { changesBetween, type EntityManager, type Orm, recordAudit, recordEvent } from "@licensing/platform";
import { LockMode } from "@mikro-orm/core";
import { LicenseEntity, type LicenseRow, LicenseVersionEntity } from "./entities.ts";
import type { ExpiryRule } from "./expiry.ts";
import { type IdempotencyStore, idempotentRequest } from "./idempotency.ts";
import { requireActor } from "./issuance.ts";
import { checked, latestInstant } from "./license-draft.ts";
import { signWithinLimit } from "./license-signing.ts";
import { licenseOf, toDetail, toEvent } from "./license-views.ts";
import type { SigningKeys } from "./signing-keys.ts";

const day = 86_400_000;

export interface LifecycleDeps {
  orm: Orm;
  signingKeys: SigningKeys;
  encryption: SealedBox;
  idempotency: IdempotencyStore;
  expiry: ExpiryRule;
}

/**
 * What happens to a license after it is issued. A signed file never changes: renewing or re-issuing
 * signs a new version with a new serial; suspending, reinstating and revoking change its state.
 * Each change locks the license row, so two at once (a renew and a revoke) apply one after the other.
 */
export class Lifecycle {
  readonly #deps: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  renew(request: RequestOf<typeof issuer.renew>, ctx: RequestContext): Promise<LicenseDetail> {
    if ((request.endDate === undefined) === (request.extendDays === undefined)) {
      throw AppError.validation([{ path: "endDate", message: "give either endDate or extendDays" }]);
    }
    return this.#newVersion(request, ctx, "renewed", (row) => {
      if (request.endDate !== undefined) return request.endDate === null ? null : new Date(request.endDate);
      // Extending an expired license counts from today, not from its past end.
      const from = Math.max(row.endDate?.getTime() ?? Date.now(), Date.now());
      const end = new Date(from + request.extendDays! * day);
      if (end.getTime() > latestInstant)
        throw AppError.validation([
          { path: "extendDays", message: "ends past 9999-12-31, the last date a license can carry" },
        ]);
      return end;
    });
  }

  reissue(request: RequestOf<typeof issuer.reissue>, ctx: RequestContext): Promise<LicenseDetail> {
    return this.#newVersion(request, ctx, "reissued", (row) => row.endDate ?? null);
  }

  /**
   * The notice window is signed into the file (LicenseModel's `notifyDays`), so changing it signs a
   * new version, the end date unchanged. To every reader of versions and events that version is a
   * re-issue (reason `reissued`, event `license.reissued`: their enums stay as they are, which a
   * rolling upgrade needs); the audit entry says what changed, `license.notice-changed`. A window
   * longer than the license itself is refused, as at issuance: it would be expiring from day one.
   */
  setNotice(request: RequestOf<typeof issuer.setNotice>, ctx: RequestContext): Promise<LicenseDetail> {
    return this.#newVersion(request, ctx, "reissued", (row) => row.endDate ?? null, {
      audit: "license.notice-changed",
      refusal: "changed",
      notifyDaysOf: (row) => {
        const days = request.notifyDays;
        if (days !== null && row.endDate && days * day > row.endDate.getTime() - row.startDate.getTime())
          throw AppError.validation([
            { path: "notifyDays", message: "must not be longer than the license itself" },
          ]);
        return days;
      },
    });
  }

  suspend(id: string, reason: string, ctx: RequestContext): Promise<LicenseDetail> {
    return this.#changeState(id, ctx, ["active"], "suspended", reason, issuerEvents.licenseSuspended);
  }

  reinstate(id: string, reason: string | null, ctx: RequestContext): Promise<LicenseDetail> {
    return this.#changeState(id, ctx, ["suspended"], "active", reason, issuerEvents.licenseReinstated);
  }

  revoke(id: string, reason: string, ctx: RequestContext): Promise<LicenseDetail> {
    return this.#changeState(
      id,
      ctx,
      ["active", "suspended"],
      "revoked",
      reason,
      issuerEvents.licenseRevoked,
    );
  }

  /**
   * Signs a new version. With an idempotency key, a repeat finds the first answer once it holds the
   * license lock (the first has committed by then) and the key is claimed in the same transaction.
   */
  async #newVersion(
    request: { id: string; reason?: string | undefined; idempotencyKey?: string | undefined },
    ctx: RequestContext,
    reason: "renewed" | "reissued",
    endDateOf: (row: LicenseRow) => Date | null,
    change: {
      /** The audit action, when it says more than the version's reason. */
      audit?: string;
      /** How a refusal names the change. */
      refusal?: string;
      notifyDaysOf?: (row: LicenseRow) => number | null;
    } = {},
  ): Promise<LicenseDetail> {
    const { id } = request;
    const note = request.reason ?? null;
    const actor = requireActor(ctx);
    const action = change.audit ?? `license.${reason}`;
    const idempotency = idempotentRequest(`${action} ${actor.id}`, request.idempotencyKey, request);
    const signer = await this.#deps.signingKeys.signer();
    return this.#deps.orm.em.fork().transactional(async (em) => {
      const row = await lockLicense(em, id);
      const earlier = idempotency
        ? await this.#deps.idempotency.find<LicenseDetail>(em, idempotency)
        : undefined;
      if (earlier) return earlier;
      if (row.state === "revoked")
        throw new AppError(
          "invalid_state",
          `License ${id} is revoked; it cannot be ${change.refusal ?? reason}`,
        );
      const before = snapshot(row);
      const now = new Date();
      const license = checked({
        ...licenseOf(row),
        endDate: endDateOf(row)?.toISOString() ?? null,
        notifyDays: change.notifyDaysOf ? change.notifyDaysOf(row) : (row.notifyDays ?? null),
        serial: row.serial + 1,
        signedAt: now.toISOString(),
        keyId: signer.keyId,
      });
      const licenseKey = row.encrypted
        ? this.#deps.encryption.open(row.keyEnc, `license key ${id}`).toString()
        : undefined;
      const file = signWithinLimit(license, signer, licenseKey ? { encryptWith: licenseKey } : {});
      row.endDate = license.endDate ? new Date(license.endDate) : null;
      row.notifyDays = license.notifyDays;
      row.serial = license.serial;
      row.signedAt = now;
      row.keyId = signer.keyId;
      em.create(LicenseVersionEntity, {
        licenseId: id,
        serial: row.serial,
        keyId: signer.keyId,
        signedAt: now,
        reason,
        endDate: row.endDate,
        file,
        createdBy: actor.id,
        createdByName: actor.username,
      });
      await em.flush();
      await recordAudit(em, {
        entityType: "license",
        entityId: id,
        action,
        actor,
        ctx,
        reason: note,
        changes: changesBetween(before, snapshot(row)),
      });
      await recordEvent(
        em,
        reason === "renewed" ? issuerEvents.licenseRenewed : issuerEvents.licenseReissued,
        toEvent(row, file, note),
        ctx,
      );
      const answer = toDetail(row, now, this.#deps.expiry);
      if (idempotency) await this.#deps.idempotency.claim(em, idempotency, answer);
      return answer;
    });
  }

  async #changeState(
    id: string,
    ctx: RequestContext,
    from: LicenseRow["state"][],
    to: LicenseRow["state"],
    reason: string | null,
    event: EventType,
  ): Promise<LicenseDetail> {
    const actor = requireActor(ctx);
    return this.#deps.orm.em.fork().transactional(async (em) => {
      const row = await lockLicense(em, id);
      if (!from.includes(row.state)) {
        throw new AppError(
          "invalid_state",
          `License ${id} is ${row.state}; only a license that is ${from.join(" or ")} can become ${to}`,
        );
      }
      const before = snapshot(row);
      row.state = to;
      row.stateReason = reason;
      await em.flush();
      const current = await em.findOneOrFail(
        LicenseVersionEntity,
        { licenseId: id, serial: row.serial },
        { populate: ["file"] },
      );
      await recordAudit(em, {
        entityType: "license",
        entityId: id,
        action: event.name,
        actor,
        ctx,
        reason,
        changes: changesBetween(before, snapshot(row)),
      });
      await recordEvent(
        em,
        event as EventType<typeof event.payload>,
        toEvent(row, current.file, reason) as LicenseEvent,
        ctx,
      );
      return toDetail(row, new Date(), this.#deps.expiry);
    });
  }
}

export async function lockLicense(em: EntityManager, id: string): Promise<LicenseRow> {
  const row = await em.findOne(LicenseEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!row) throw AppError.notFound("License", id);
  return row;
}

function snapshot(row: LicenseRow): Record<string, unknown> {
  return {
    state: row.state,
    stateReason: row.stateReason ?? null,
    endDate: row.endDate?.toISOString() ?? null,
    notifyDays: row.notifyDays ?? null,
    serial: row.serial,
    keyId: row.keyId,
  };
}
