// Which machines may sign a cockpit license's receipts: collectors through the delegated leases an
// upload brings (each checked against the stored certificate it names, as at its issuance), and the
// cockpit itself through its certificates' authority key.
import { createHash } from "node:crypto";
import {
  authorityKeyId,
  DELEGATED_LEASE_PURPOSE,
  type DelegatedLease,
  type KeySet,
  openDelegatedLease,
} from "@licensing/model";
import { peekDocument } from "./documents.ts";
import type { Finding } from "./receipt-chain.ts";
import type { Timestamp } from "./rows.ts";

export interface StoredCertificate {
  certificate_id: string;
  authority_key_id: string;
  fingerprint: string;
  certificate: string;
  revoked_at: Timestamp | null;
}

export interface VerifiedLease {
  lease: DelegatedLease;
  collectorKeyId: string;
  seats: number;
}

/** A machine allowed to sign this license's receipts: a collector by its leases, or a cockpit. */
export type Binding =
  | { kind: "collector"; leases: Map<string, { fingerprint: string }> }
  | { kind: "cockpit"; fingerprint: string };

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Verifies each lease against the certificate it names; the failures are `invalid_lease` findings. */
export function verifyLeases(
  texts: readonly string[],
  certificates: readonly StoredCertificate[],
  vendorKeys: KeySet,
): { leases: VerifiedLease[]; findings: Finding[] } {
  const leases: VerifiedLease[] = [];
  const findings: Finding[] = [];
  for (const text of texts) {
    let claimedId: string | null = null;
    try {
      const claimed = peekDocument(text, DELEGATED_LEASE_PURPOSE).payload as Partial<DelegatedLease>;
      claimedId = typeof claimed?.leaseId === "string" ? claimed.leaseId.slice(0, 128) : null;
      const stored = certificates.find((c) => c.certificate_id === claimed?.certificateId);
      if (!stored) throw new Error("it names no certificate this license was issued");
      const issuedAt = Date.parse(String(claimed.issuedAt));
      // Judged at its issuance: a lease stays valid evidence after it (or its certificate) expired.
      const { lease, certificate } = openDelegatedLease(text, stored.certificate, {
        keys: vendorKeys,
        now: Number.isFinite(issuedAt) ? issuedAt : Number.NaN,
      });
      if (stored.revoked_at !== null && Date.parse(lease.issuedAt) >= new Date(stored.revoked_at).getTime())
        throw new Error("it was signed after its certificate was revoked");
      const collectorKeyId = authorityKeyId(new Uint8Array(Buffer.from(lease.collectorKey, "base64")));
      leases.push({ lease, collectorKeyId, seats: certificate.seats });
    } catch (error) {
      findings.push({
        kind: "invalid_lease",
        machine: null,
        seq: null,
        leaseId: claimedId,
        message: `This lease is refused: ${(error as Error).message}`,
        key: `invalid_lease:${sha256Hex(text)}`,
      });
    }
  }
  return { leases, findings };
}

/** The bindings the verified leases and the license's certificates give, by machine key id. */
export function bindingsOf(
  leases: readonly VerifiedLease[],
  certificates: readonly StoredCertificate[],
  storedLeases: readonly { lease_id: string; collector_key_id: string; fingerprint: string }[],
): Map<string, Binding> {
  const bindings = new Map<string, Binding>();
  for (const certificate of certificates)
    bindings.set(certificate.authority_key_id, { kind: "cockpit", fingerprint: certificate.fingerprint });
  const bind = (keyId: string, leaseId: string, fingerprint: string) => {
    const found = bindings.get(keyId);
    if (found?.kind === "cockpit") return;
    const binding = found ?? { kind: "collector" as const, leases: new Map() };
    binding.leases.set(leaseId, { fingerprint });
    bindings.set(keyId, binding);
  };
  for (const row of storedLeases) bind(row.collector_key_id, row.lease_id, row.fingerprint);
  for (const { lease, collectorKeyId } of leases) bind(collectorKeyId, lease.leaseId, lease.fingerprint);
  return bindings;
}
