// The delegation vectors (test/vectors/fleet-delegation.json), built by make-vectors.ts: a cockpit's
// delegation certificate and collector leases with the collector's inputs and the answer it must
// give, and usage receipts (a chain, and altered ones) with their hashes. Deterministic.
import { sha256 } from "@noble/hashes/sha2.js";
import { encodeBase64 as toBase64, toHex, utf8 } from "../src/bytes.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { sealDocument } from "../src/envelope.ts";
import {
  authorityKeyId,
  type DelegatedLease,
  type Delegation,
  openDelegatedLease,
  sealDelegatedLease,
  sealDelegation,
} from "../src/fleet-delegation.ts";
import { createSigner } from "../src/key-set.ts";
import { signLicense } from "../src/license-file.ts";
import { GENESIS_HASH, type OpenedReceipt, sealReceipt, type UsageReceipt } from "../src/usage-receipt.ts";
import { sampleLicense } from "../test/fixtures.ts";

const seed = (label: string) => sha256(utf8(`licensing vectors: ${label}`));
const vendor = (() => {
  const privateKey = seed("k2025-01"); // the license-file key of license-files.json
  return { keyId: "k2025-01", privateKey, publicKey: nobleEd25519.getPublicKey(privateKey) };
})();
const machine = (label: string) => {
  const privateKey = seed(label);
  const publicKey = nobleEd25519.getPublicKey(privateKey);
  const keyId = authorityKeyId(publicKey);
  return { label, keyId, privateKey, publicKey, signer: createSigner(keyId, privateKey, nobleEd25519) };
};
const cockpit = machine("cockpit authority");
const rogue = machine("rogue cockpit");
const collector = machine("collector 01");
const vendorSigner = createSigner(vendor.keyId, vendor.privateKey, nobleEd25519);

const certificate: Delegation = {
  accountId: "acc_contoso",
  authorityKey: toBase64(cockpit.publicKey),
  certificateId: "dlg_01JCOCKPIT0000000000000001",
  executionModes: ["inventory", "scan"],
  expiresAt: "2026-04-01T00:00:00Z",
  issuedAt: "2026-03-02T00:00:00Z",
  licenseId: "lic_01JCOCKPITLICENSE000000001",
  maxLeaseSeconds: 604800,
  products: ["collector"],
  revoked: [],
  seats: 10,
  serial: 1,
  units: 1000,
};
const lease: DelegatedLease = {
  certificateId: certificate.certificateId,
  collectorKey: toBase64(collector.publicKey),
  executionModes: ["scan"],
  expiresAt: "2026-03-15T00:00:00Z",
  fingerprint: "fp-collector-01",
  issuedAt: "2026-03-08T00:00:00Z",
  leaseId: "dls_01JLEASE000000000000000001",
  licenseId: certificate.licenseId,
  product: "collector",
  seat: 1,
  units: 100,
};

export function buildDelegationVectors(): unknown {
  const now = "2026-03-10T12:00:00Z";
  const cert = sealDelegation(certificate, vendorSigner);
  const valid = sealDelegatedLease(lease, cockpit.signer);
  const inputs = { fingerprint: lease.fingerprint, product: "collector" };
  const ok = (leaseText: string, certText = cert) => ({
    valid: true,
    ...openDelegatedLease(leaseText, certText, {
      keys: [vendor],
      now: Date.parse(now),
      ed25519: nobleEd25519,
    }),
  });
  const fail = (code: string) => ({ valid: false, code });
  const withLease = (change: Partial<DelegatedLease>) =>
    sealDelegatedLease({ ...lease, ...change }, cockpit.signer);
  const cases = [
    { name: "valid", lease: valid, certificate: cert, now, ...inputs, expected: ok(valid) },
    {
      name: "forged: a lease signed by a cockpit key without a certificate",
      lease: sealDelegatedLease(lease, rogue.signer),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("unknown_key"),
    },
    {
      name: "forged: another key under the cockpit's key id",
      lease: sealDelegatedLease(lease, { keyId: cockpit.keyId, sign: rogue.signer.sign }),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("bad_signature"),
    },
    {
      name: "a certificate signed by the cockpit itself",
      lease: valid,
      certificate: sealDelegation(certificate, cockpit.signer),
      now,
      ...inputs,
      expected: fail("unknown_key"),
    },
    {
      name: "a certificate for other products",
      lease: valid,
      certificate: sealDelegation({ ...certificate, products: ["vbuc"] }, vendorSigner),
      now,
      ...inputs,
      expected: fail("lease_outside_delegation"),
    },
    {
      name: "the certificate expired (now is expiresAt)",
      lease: valid,
      certificate: cert,
      now: certificate.expiresAt,
      ...inputs,
      expected: fail("delegation_expired"),
    },
    {
      name: "the certificate issued beyond the 5 minutes' skew",
      lease: valid,
      certificate: cert,
      now: "2026-03-01T23:54:59.999Z",
      ...inputs,
      expected: fail("delegation_not_yet_valid"),
    },
    {
      name: "the cockpit key revoked",
      lease: valid,
      certificate: cert,
      now,
      revoked: [cockpit.keyId],
      ...inputs,
      expected: fail("delegation_revoked"),
    },
    {
      name: "more seats than delegated",
      lease: withLease({ seat: 11 }),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("lease_outside_delegation"),
    },
    {
      name: "more units than delegated",
      lease: withLease({ units: 1001 }),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("lease_outside_delegation"),
    },
    {
      name: "an execution mode not delegated",
      lease: withLease({ executionModes: ["migrate"] }),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("lease_outside_delegation"),
    },
    {
      name: "a lease outliving its certificate",
      lease: withLease({ expiresAt: "2026-04-02T00:00:00Z", issuedAt: "2026-03-26T00:00:00Z" }),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("lease_outside_delegation"),
    },
    {
      name: "a lease longer than maxLeaseSeconds",
      lease: withLease({ expiresAt: "2026-03-16T00:00:01Z" }),
      certificate: cert,
      now,
      ...inputs,
      expected: fail("lease_outside_delegation"),
    },
    {
      name: "a lease for another machine",
      lease: valid,
      certificate: cert,
      now,
      fingerprint: "fp-other",
      product: "collector",
      expected: fail("lease_scope_mismatch"),
    },
    {
      name: "the lease expired",
      lease: valid,
      certificate: cert,
      now: lease.expiresAt,
      ...inputs,
      expected: fail("lease_expired"),
    },
    {
      name: "a lease given as the certificate",
      lease: valid,
      certificate: valid,
      now,
      ...inputs,
      expected: fail("wrong_purpose"),
    },
    {
      name: "a certificate given as the lease",
      lease: cert,
      certificate: cert,
      now,
      ...inputs,
      expected: fail("wrong_purpose"),
    },
    {
      name: "a license file given as the certificate",
      lease: valid,
      certificate: signLicense(sampleLicense({ keyId: vendor.keyId }), vendorSigner),
      now,
      ...inputs,
      expected: fail("wrong_purpose"),
    },
    {
      name: "a certificate's payload signed by the vendor as a license file, relabelled",
      lease: valid,
      certificate: sealDocument({ purpose: "license-file", payload: certificate, signer: vendorSigner }),
      now,
      ...inputs,
      expected: fail("wrong_purpose"),
    },
  ];

  const receipt = (change: Partial<UsageReceipt>): UsageReceipt => ({
    at: "2026-03-10T11:00:00Z",
    leaseId: lease.leaseId,
    licenseId: lease.licenseId,
    mode: "scan",
    prev: GENESIS_HASH,
    product: "collector",
    seq: 0,
    signer: collector.keyId,
    units: 3,
    ...change,
  });
  const chain: OpenedReceipt[] = [];
  for (let seq = 0; seq < 3; seq++)
    chain.push(
      sealReceipt(
        receipt({
          seq,
          prev: chain.at(-1)?.hash ?? GENESIS_HASH,
          at: `2026-03-10T1${seq}:00:00Z`,
          units: seq + 1,
        }),
        collector.privateKey,
        nobleEd25519,
      ),
    );
  const altered = {
    payload: toBase64(utf8(atob(chain[1]!.signed.payload).replace('"units":2', '"units":1'))),
    signature: chain[1]!.signed.signature,
  };

  return {
    description:
      "Delegation certificates, delegated leases and usage receipts (docs/license-file-format.md, sections 15 and 16). Trust the vendor key k2025-01 for certificates.",
    keys: {
      vendor: { keyId: vendor.keyId, publicKeyHex: toHex(vendor.publicKey) },
      cockpit: {
        keyId: cockpit.keyId,
        privateKeySeedHex: toHex(cockpit.privateKey),
        publicKeyHex: toHex(cockpit.publicKey),
      },
      rogueCockpit: { keyId: rogue.keyId, publicKeyHex: toHex(rogue.publicKey) },
      collector: {
        keyId: collector.keyId,
        privateKeySeedHex: toHex(collector.privateKey),
        publicKeyHex: toHex(collector.publicKey),
      },
    },
    cases,
    receipts: {
      machineKeyHex: toHex(collector.publicKey),
      chain: chain.map((r) => ({ signed: r.signed, receipt: r.receipt, hash: r.hash })),
      invalid: [
        { name: "altered after signing (units)", signed: altered, expected: "bad_signature" },
        {
          name: "signed by another key",
          signed: sealReceipt(receipt({}), rogue.privateKey, nobleEd25519).signed,
          expected: "bad_signature",
        },
      ],
    },
  };
}
