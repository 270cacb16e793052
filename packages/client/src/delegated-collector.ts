// A collector under a cockpit (docs/client.md, "Fleet delegation"): no license file of its own, a
// delegated lease verified offline (vendor key → certificate → lease), and a log of usage receipts
// signed by its own key, which the cockpit collects.
import { authorityKeyId, type DelegatedLease, type SignedReceipt } from "@licensing/model";
import { checkUnits } from "./checks.ts";
import { decisionTime } from "./clock.ts";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { fromBase64, keyPairOnce, type StoredKeyPair } from "./offline-activation.ts";
import { appendOwn, keptReceipts, newLog } from "./receipt-log.ts";
import { type ClientState, type DelegatedRecord, documents } from "./state.ts";
import { verifyDelegatedLease } from "./verify.ts";

/** What recordExecution() recorded. */
export interface DelegatedExecution {
  /** The receipt's position in this collector's log. */
  seq: number;
  units: number;
  /** Units the lease still allows. */
  unitsRemaining: number;
}

/**
 * The collector's side of fleet delegation. Its machine key (the one offline activation uses) is
 * made on first use and kept in the storage; it signs the collector's receipts.
 */
export class DelegatedCollector {
  readonly #ctx: ManagerContext;
  /** This machine's key, made on first use and kept in the storage. */
  readonly #key: () => Promise<StoredKeyPair>;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
    this.#key = keyPairOnce(ctx.state, documents.machineKey);
  }

  /** This collector's public key (base64): the cockpit binds it into the lease (collectorKey). */
  async machineKey(): Promise<string> {
    return (await this.#key()).publicKey;
  }

  /**
   * Verifies a lease and the certificate it came with, offline, and keeps them: the chain vendor key
   * → certificate → lease (openDelegatedLease, with the revoked keys this collector learnt), for this
   * fingerprint, product and machine key. A lease older than the one held is a replay.
   */
  async installDelegatedLease(leaseText: string, certificateText: string): Promise<DelegatedLease> {
    const key = await this.#key();
    const fingerprint = await this.#ctx.fingerprint();
    return this.#ctx.state.decide(async (s) => {
      const held = s.delegated ?? null;
      const now = this.#time(s);
      const { lease, certificate } = verifyDelegatedLease(
        leaseText,
        certificateText,
        this.#ctx.keys,
        now,
        held?.revoked ?? [],
      );
      if (lease.fingerprint !== fingerprint)
        throw new LicenseError("fingerprint_mismatch", "This delegated lease is for another machine");
      if (lease.product !== this.#ctx.product)
        throw new LicenseError(
          "wrong_product",
          `This delegated lease is for ${lease.product}, not ${this.#ctx.product}`,
        );
      if (lease.collectorKey !== key.publicKey)
        throw new LicenseError("fingerprint_mismatch", "This delegated lease binds another collector key");
      // A damaged state forgot the units used: only a lease issued since counts.
      if (!held && s.damagedAt !== null && Date.parse(lease.issuedAt) < Date.parse(s.damagedAt))
        throw new LicenseError(
          "lease_expired",
          `The offline state was damaged (found on ${s.damagedAt}): ask the cockpit for a new lease`,
        );
      if (held && lease.leaseId !== held.leaseId && Date.parse(lease.issuedAt) < Date.parse(held.issuedAt))
        throw new LicenseError("replayed_answer", "This delegated lease is older than the one held");
      const newer = !held || Date.parse(certificate.issuedAt) >= Date.parse(held.revokedFrom);
      await this.#ctx.state.setDocument(documents.delegatedLease, leaseText);
      await this.#ctx.state.setDocument(documents.leaseCertificate, certificateText);
      s.delegated = {
        leaseId: lease.leaseId,
        issuedAt: lease.issuedAt,
        expiresAt: lease.expiresAt,
        units: lease.units,
        unitsUsed: held?.leaseId === lease.leaseId ? held.unitsUsed : 0,
        revoked: newer ? certificate.revoked : held.revoked,
        revokedFrom: newer ? certificate.issuedAt : held.revokedFrom,
        log: held?.log ?? null,
      };
      return lease;
    });
  }

  /**
   * Refuses unless the lease held is valid now: its certificate current and not revoked, the lease
   * current, on a clock that never goes back (a clock set back does not revive an expired lease).
   */
  check(): Promise<DelegatedLease> {
    return this.#ctx.state.decide(async (s) => (await this.#current(s)).lease);
  }

  /**
   * Authorizes one execution under the lease: checks it (check()), its mode and its units left, and
   * appends a receipt signed by the machine key to the local log, in one write.
   */
  async recordExecution(execution: { units: number; mode?: string | null }): Promise<DelegatedExecution> {
    const { units } = execution;
    checkUnits(units);
    const key = await this.#key();
    return this.#ctx.state.decide(async (s) => {
      const { lease, record, now } = await this.#current(s);
      const mode = execution.mode ?? null;
      if (mode !== null && !lease.executionModes.includes(mode))
        throw new LicenseError("mode_not_allowed", `The delegated lease does not grant the mode ${mode}`);
      const left = lease.units - record.unitsUsed;
      if (units > left)
        throw new LicenseError(
          "units_exhausted",
          `The delegated lease has ${left} units left, ${units} needed`,
        );
      record.log ??= newLog(authorityKeyId(fromBase64(key.publicKey)));
      const receipt = await appendOwn(
        this.#ctx.state,
        record.log,
        {
          at: now.toISOString(),
          leaseId: lease.leaseId,
          licenseId: lease.licenseId,
          mode,
          product: lease.product,
          units,
        },
        key,
      );
      record.unitsUsed += units;
      s.lastExecutionAt = receipt.at;
      return { seq: receipt.seq, units, unitsRemaining: lease.units - record.unitsUsed };
    });
  }

  /** The receipts of this collector's log from position `fromSeq` on, for the cockpit to collect. */
  async receipts(fromSeq = 0): Promise<SignedReceipt[]> {
    const log = (await this.#ctx.state.read()).delegated?.log;
    return log ? keptReceipts(this.#ctx.state, log, fromSeq) : [];
  }

  async #current(s: ClientState): Promise<{ lease: DelegatedLease; record: DelegatedRecord; now: Date }> {
    const now = this.#time(s);
    const record = s.delegated;
    const leaseText = await this.#ctx.state.getDocument(documents.delegatedLease);
    const certificateText = await this.#ctx.state.getDocument(documents.leaseCertificate);
    if (!record || !leaseText || !certificateText)
      throw new LicenseError(
        "lease_expired",
        "This collector holds no delegated lease: ask the cockpit for one",
      );
    const { lease } = verifyDelegatedLease(leaseText, certificateText, this.#ctx.keys, now, record.revoked);
    if (lease.leaseId !== record.leaseId)
      throw new LicenseError("lease_expired", "The kept lease is not the one installed: install it again");
    return { lease, record, now };
  }

  #time(s: ClientState): Date {
    return decisionTime(s, this.#ctx.now(), this.#ctx.toleranceMs);
  }
}
