// A cockpit's delegation certificate, a collector's lease under it and a receipt, valid at NOW; the
// keys are fixed so vectors stay the same from run to run.
import { toBase64 } from "../src/codec-node.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { authorityKeyId, type DelegatedLease, type Delegation } from "../src/fleet-delegation.ts";
import { createSigner } from "../src/key-set.ts";
import { GENESIS_HASH, type UsageReceipt } from "../src/usage-receipt.ts";

export const NOW = Date.parse("2026-03-10T12:00:00Z");

const keyPair = (first: number) => {
  const privateKey = Uint8Array.from({ length: 32 }, (_, i) => (first + i) % 256);
  const publicKey = nobleEd25519.getPublicKey(privateKey);
  const keyId = authorityKeyId(publicKey);
  return { privateKey, publicKey, keyId, signer: createSigner(keyId, privateKey, nobleEd25519) };
};
/** The cockpit's authority key (generated on the cockpit). */
export const COCKPIT = keyPair(40);
/** Another cockpit's key, with no certificate of this license. */
export const ROGUE_COCKPIT = keyPair(90);
/** The collector's own key (signs its receipts). */
export const COLLECTOR = keyPair(140);

export function sampleDelegation(overrides: Partial<Delegation> = {}): Delegation {
  return {
    accountId: "acc_contoso",
    authorityKey: toBase64(COCKPIT.publicKey),
    certificateId: "dlg_01JCOCKPIT0000000000000001",
    executionModes: ["inventory", "scan"],
    expiresAt: "2026-04-01T00:00:00Z",
    issuedAt: "2026-03-02T00:00:00Z",
    licenseId: "lic_01JCOCKPITLICENSE000000001",
    maxLeaseSeconds: 7 * 24 * 3600,
    products: ["collector"],
    revoked: [],
    seats: 10,
    serial: 1,
    units: 1000,
    ...overrides,
  };
}

export function sampleLease(overrides: Partial<DelegatedLease> = {}): DelegatedLease {
  return {
    certificateId: "dlg_01JCOCKPIT0000000000000001",
    collectorKey: toBase64(COLLECTOR.publicKey),
    executionModes: ["scan"],
    expiresAt: "2026-03-15T00:00:00Z",
    fingerprint: "fp-collector-01",
    issuedAt: "2026-03-08T00:00:00Z",
    leaseId: "dls_01JLEASE000000000000000001",
    licenseId: "lic_01JCOCKPITLICENSE000000001",
    product: "collector",
    seat: 1,
    units: 100,
    ...overrides,
  };
}

export function sampleReceipt(overrides: Partial<UsageReceipt> = {}): UsageReceipt {
  return {
    at: "2026-03-10T11:00:00Z",
    leaseId: "dls_01JLEASE000000000000000001",
    licenseId: "lic_01JCOCKPITLICENSE000000001",
    mode: "scan",
    prev: GENESIS_HASH,
    product: "collector",
    seq: 0,
    signer: COLLECTOR.keyId,
    units: 3,
    ...overrides,
  };
}
