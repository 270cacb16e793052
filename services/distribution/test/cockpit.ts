// A cockpit and its collectors as the distribution service sees them (issue 19): each holds its own
// Ed25519 key, the cockpit asks for certificates and signs leases, every machine keeps a receipt log.
import { randomBytes } from "node:crypto";
import { DELEGATION_REQUEST_PURPOSE } from "@licensing/contracts";
import {
  authorityKeyId,
  createSigner,
  type DelegatedLease,
  type Delegation,
  ed25519,
  GENESIS_HASH,
  type OpenedReceipt,
  sealDelegatedLease,
  sealDocument,
  sealReceipt,
  type UsageReceipt,
} from "@licensing/model";

/** A machine with its own key and its append-only receipt log. */
export class Machine {
  readonly privateKey: Uint8Array;
  readonly publicKey: string;
  readonly keyId: string;
  readonly log: OpenedReceipt[] = [];

  constructor() {
    const pair = ed25519.generateKeyPair();
    this.privateKey = pair.privateKey;
    this.publicKey = Buffer.from(pair.publicKey).toString("base64");
    this.keyId = authorityKeyId(pair.publicKey);
  }

  /** Appends the next receipt of its log (what the client does at each execution). */
  run(
    licenseId: string,
    leaseId: string | null,
    units: number,
    extra: Partial<UsageReceipt> = {},
  ): OpenedReceipt {
    const before = this.log.at(-1);
    const receipt = sealReceipt(
      {
        at: new Date().toISOString(),
        leaseId,
        licenseId,
        mode: "scanning",
        prev: before?.hash ?? GENESIS_HASH,
        product: "collector",
        seq: this.log.length,
        signer: this.keyId,
        units,
        ...extra,
      },
      this.privateKey,
    );
    this.log.push(receipt);
    return receipt;
  }

  /** Its log as an upload carries it. */
  upload(receipts: readonly OpenedReceipt[] = this.log) {
    return { machineKey: this.publicKey, receipts: receipts.map((r) => r.signed) };
  }
}

/** A cockpit: a machine that asks certificates for its key and signs its collectors' leases. */
export class Cockpit extends Machine {
  request(licenseId: string, extra: Record<string, unknown> = {}): string {
    return sealDocument({
      purpose: DELEGATION_REQUEST_PURPOSE,
      payload: {
        authorityKey: this.publicKey,
        fingerprint: "cockpit-fingerprint",
        hostname: "cockpit.local",
        licenseId,
        nonce: randomBytes(18).toString("base64url"),
        requestedAt: new Date().toISOString(),
        ...extra,
      },
      signer: createSigner(this.keyId, this.privateKey),
    });
  }

  lease(certificate: Delegation, collector: Machine, extra: Partial<DelegatedLease> = {}): string {
    const issuedAt = extra.issuedAt ?? certificate.issuedAt;
    return sealDelegatedLease(
      {
        certificateId: certificate.certificateId,
        collectorKey: collector.publicKey,
        executionModes: [certificate.executionModes[0]!],
        expiresAt: new Date(Date.parse(issuedAt) + 3_600_000).toISOString(),
        fingerprint: `fp-${collector.keyId}`,
        issuedAt,
        leaseId: `lease-${randomBytes(6).toString("hex")}`,
        licenseId: certificate.licenseId,
        product: certificate.products[0]!,
        seat: 1,
        units: 1_000,
        ...extra,
      },
      createSigner(this.keyId, this.privateKey),
    );
  }
}
