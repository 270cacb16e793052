// The cockpit as a bounded license authority (issue 19; docs/client.md, "Fleet delegation"): its own
// Ed25519 key, a certificate from the vendor binding it to limits, the collectors' leases it signs
// within them, and the usage receipts it collects and hands back to the distribution service.
import {
  DELEGATION_REQUEST_PURPOSE,
  type DelegationRequestPayload,
  delegationResponse,
  type ReceiptUpload,
} from "@licensing/contracts";
import {
  authorityKeyId,
  createSigner,
  type Delegation,
  type License,
  type SignedReceipt,
  sealDelegatedLease,
  sealDocument,
} from "@licensing/model";
import { checkUnits } from "./checks.ts";
import { decisionTime } from "./clock.ts";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { type LeaseRequest, leaseWithin, recordLease, releaseSeat } from "./lease-issuing.ts";
import { fromBase64, keyPairOnce, type StoredKeyPair } from "./offline-activation.ts";
import { sha256Hex } from "./platform.ts";
import { acceptChain, appendOwn, newLog, type ReceiptReport } from "./receipt-log.ts";
import { forgetCarried, type ReceiptsSent, sendReceipts, uploadOf } from "./receipt-upload.ts";
import { type AuthorityRecord, type ClientState, documents } from "./state.ts";
import { verifyDelegation } from "./verify.ts";

/** A signed lease and the certificate it was signed under: both go to the collector. */
export interface IssuedDelegation {
  lease: string;
  certificate: string;
}

/**
 * The cockpit's side of fleet delegation. Its authority key is made on first use and kept in the
 * storage; it signs only delegation requests, leases and the cockpit's own receipts, never leaves.
 */
export class FleetAuthority {
  readonly #ctx: ManagerContext;
  /** This machine's key, made on first use and kept in the storage. */
  readonly #key: () => Promise<StoredKeyPair>;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
    this.#key = keyPairOnce(ctx.state, documents.authorityKey);
  }

  /** The authority key's public half and id (what a certificate names). */
  async authorityKey(): Promise<{ keyId: string; publicKey: string }> {
    const { publicKey } = await this.#key();
    return { keyId: authorityKeyId(fromBase64(publicKey)), publicKey };
  }

  /**
   * A `delegation-request` signed by the authority key, proving the cockpit holds it: carried over an
   * air gap to a connected computer for an operator to answer, or sent by renewDelegation().
   */
  async delegationRequest(): Promise<string> {
    const license = await this.#license();
    const key = await this.#key();
    const now = this.#ctx.now();
    const payload: DelegationRequestPayload = {
      authorityKey: key.publicKey,
      fingerprint: await this.#ctx.fingerprint(),
      hostname: this.#ctx.platform.hostname().slice(0, 255) || null,
      licenseId: license.id,
      nonce: (await sha256Hex(`${crypto.randomUUID()}${now.getTime()}`)).slice(0, 32),
      requestedAt: now.toISOString(),
    };
    return sealDocument({ purpose: DELEGATION_REQUEST_PURPOSE, payload, signer: signerOf(key) });
  }

  /** Online: a new certificate for the authority key (POST /v1/delegations), verified and kept. */
  async renewDelegation(): Promise<Delegation> {
    const request = await this.delegationRequest();
    const { body } = await this.#ctx.api().call<unknown>("POST", "/v1/delegations", { request });
    const answer = delegationResponse.safeParse(body);
    if (!answer.success) throw new LicenseError("server_error", "The delegation answer is not a certificate");
    return this.acceptDelegation(answer.data.certificate);
  }

  /**
   * Verifies and keeps a certificate (from renewDelegation, or an operator's answer to an offline
   * request): signed by a pinned license key, current, for this authority key and this license, not
   * older than the one held. Its `revoked` list replaces the one known.
   */
  async acceptDelegation(certificateText: string): Promise<Delegation> {
    const license = await this.#license();
    const { publicKey } = await this.#key();
    return this.#ctx.state.decide(async (s) => {
      const held = s.authority ?? null;
      const certificate = verifyDelegation(
        certificateText,
        this.#ctx.keys,
        this.#time(s),
        held?.revoked ?? [],
      );
      if (certificate.authorityKey !== publicKey)
        throw new LicenseError("not_delegated", "This certificate delegates another cockpit's key");
      if (certificate.licenseId !== license.id)
        throw new LicenseError("not_delegated", `This certificate is for license ${certificate.licenseId}`);
      // A damaged state forgot the units and seats granted: only a certificate issued since counts.
      if (!held && s.damagedAt !== null && Date.parse(certificate.issuedAt) < Date.parse(s.damagedAt))
        throw new LicenseError(
          "delegation_expired",
          `The offline state was damaged (found on ${s.damagedAt}): renew the certificate to continue`,
        );
      if (held && certificate.serial < held.serial)
        throw new LicenseError(
          "replayed_answer",
          `This certificate (serial ${certificate.serial}) is older than the one held (${held.serial})`,
        );
      const same = held?.certificateId === certificate.certificateId;
      await this.#ctx.state.setDocument(documents.delegation, certificateText);
      s.authority = {
        certificateId: certificate.certificateId,
        serial: certificate.serial,
        revoked: certificate.revoked,
        unitsGranted: same ? held.unitsGranted : 0,
        leases: held?.leases ?? [],
        own: held?.own ?? null,
        collected: held?.collected ?? {},
      };
      return certificate;
    });
  }

  /**
   * Signs a lease for a collector within the certificate: its products and modes, a life of at most
   * maxLeaseSeconds ending before the certificate, a seat while fewer than `seats` leases are current
   * (the same fingerprint keeps its seat), units while the certificate's are not all granted.
   */
  async issueLease(request: LeaseRequest): Promise<IssuedDelegation> {
    const key = await this.#key();
    return this.#ctx.state.decide(async (s) => {
      const { record, certificate, text, now } = await this.#certified(s);
      const lease = leaseWithin(certificate, record, request, now);
      const leaseText = sealDelegatedLease(lease, signerOf(key));
      recordLease(record, lease, leaseText, now);
      return { lease: leaseText, certificate: text };
    });
  }

  /** Frees the seat of `fingerprint`'s lease (the collector left); its receipts are still collected. */
  async releaseLease(fingerprint: string): Promise<void> {
    await this.#ctx.state.update((s) => {
      if (s.authority) releaseSeat(s.authority, fingerprint, this.#time(s));
    });
  }

  /**
   * Records one of the cockpit's own executions: a receipt signed by the authority key (leaseId
   * null) in its own log. It draws on the certificate's units like the leases do.
   */
  async recordExecution(execution: { units: number; mode?: string | null }): Promise<{ seq: number }> {
    checkUnits(execution.units);
    const key = await this.#key();
    return this.#ctx.state.decide(async (s) => {
      const { record, certificate, now } = await this.#certified(s);
      const mode = execution.mode ?? null;
      if (mode !== null && !certificate.executionModes.includes(mode))
        throw new LicenseError("mode_not_allowed", `The certificate does not delegate the mode ${mode}`);
      const left = certificate.units - record.unitsGranted;
      if (execution.units > left)
        throw new LicenseError(
          "units_exhausted",
          `The certificate has ${left} units left, ${execution.units} needed`,
        );
      record.own ??= newLog(authorityKeyId(fromBase64(key.publicKey)));
      const receipt = await appendOwn(
        this.#ctx.state,
        record.own,
        {
          at: now.toISOString(),
          leaseId: null,
          licenseId: certificate.licenseId,
          mode,
          product: this.#ctx.product,
          units: execution.units,
        },
        key,
      );
      record.unitsGranted += execution.units;
      s.lastExecutionAt = receipt.at;
      return { seq: receipt.seq };
    });
  }

  /**
   * Takes a collector's receipts (DelegatedCollector.receipts()), in order: each must verify with
   * `machineKey`, chain onto what is held for it, and name a lease this cockpit signed for that key.
   * The first that does not is reported with what is wrong (gap, fork, broken link…), never dropped
   * silently; the ones before it are kept.
   */
  async acceptReceipts(machineKey: string, receipts: readonly SignedReceipt[]): Promise<ReceiptReport> {
    return this.#ctx.state.decide(async (s) => {
      const record = this.#record(s);
      const leases = new Map(
        record.leases.filter((l) => l.collectorKey === machineKey).map((l) => [l.leaseId, l]),
      );
      if (leases.size === 0)
        return {
          accepted: 0,
          duplicates: 0,
          anomalies: [
            {
              kind: "unknown_machine",
              seq: null,
              message: "No lease of this cockpit binds this machine key",
            },
          ],
        };
      const key = fromBase64(machineKey);
      record.collected[machineKey] ??= newLog(authorityKeyId(key));
      return acceptChain(this.#ctx.state, record.collected[machineKey], key, receipts, (receipt) =>
        leases.has(receipt.leaseId ?? "")
          ? undefined
          : {
              kind: "invalid_lease",
              seq: receipt.seq,
              message: `Receipt ${receipt.seq} names a lease this cockpit did not sign for it`,
            },
      );
    });
  }

  /**
   * The receipts not yet acknowledged (the cockpit's own and its collectors'), and the leases they
   * name, as the file carried over an air gap (at most MAX_RECEIPTS_PER_UPLOAD receipts: the oldest).
   * Once an operator has imported it, acknowledgeExport() forgets what it carried.
   */
  async exportReceipts(): Promise<ReceiptUpload> {
    const { publicKey } = await this.#key();
    return uploadOf(this.#ctx.state, this.#record(await this.#ctx.state.read()), publicKey);
  }

  /** Forgets the receipts `upload` carried (an operator imported the exported file). */
  async acknowledgeExport(upload: ReceiptUpload): Promise<void> {
    const { publicKey } = await this.#key();
    await this.#ctx.state.update((s) =>
      forgetCarried(this.#ctx.state, this.#record(s), upload, publicKey, this.#time(s)),
    );
  }

  /**
   * Online: sends every receipt not yet acknowledged (POST /v1/receipts, at most
   * MAX_RECEIPTS_PER_UPLOAD an upload), forgetting each upload's receipts once the server answered.
   */
  async uploadReceipts(): Promise<ReceiptsSent> {
    const { publicKey } = await this.#key();
    return sendReceipts(this.#ctx, (s) => this.#record(s), publicKey);
  }

  /** The current certificate (verified again: it may have expired, or been revoked), and the time. */
  async #certified(s: ClientState) {
    const record = this.#record(s);
    const now = this.#time(s);
    const text = await this.#ctx.state.getDocument(documents.delegation);
    if (!text) throw new LicenseError("delegation_expired", "This cockpit holds no delegation certificate");
    const certificate = verifyDelegation(text, this.#ctx.keys, now, record.revoked);
    if (certificate.certificateId !== record.certificateId)
      throw new LicenseError(
        "delegation_expired",
        "The kept certificate is not the one accepted: accept it again",
      );
    return { record, certificate, text, now };
  }

  #record(s: ClientState): AuthorityRecord {
    if (!s.authority)
      throw new LicenseError("delegation_expired", "This cockpit holds no delegation certificate");
    return s.authority;
  }

  #time(s: ClientState): Date {
    return decisionTime(s, this.#ctx.now(), this.#ctx.toleranceMs);
  }

  async #license(): Promise<License> {
    return this.#ctx.license() ?? this.#ctx.load();
  }
}

function signerOf(key: StoredKeyPair) {
  return createSigner(authorityKeyId(fromBase64(key.publicKey)), fromBase64(key.privateKey));
}
