// The cockpit as a bounded delegate (issue 19), played by an adversary: a collector verifies vendor
// key → delegation certificate → lease offline and refuses every overstep with its own code; usage
// receipts are signed per machine and chained, and an altered one never verifies.
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../src/codec-node.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { sealDocument } from "../src/envelope.ts";
import { isModelError } from "../src/errors.ts";
import {
  authorityKeyId,
  type DelegatedLease,
  openDelegatedLease,
  openDelegation,
  sealDelegatedLease,
  sealDelegation,
} from "../src/fleet-delegation.ts";
import { signLicense, verifyLicenseFile } from "../src/license-file.ts";
import { GENESIS_HASH, openReceipt, sealReceipt } from "../src/usage-receipt.ts";
import {
  COCKPIT,
  COLLECTOR,
  NOW,
  ROGUE_COCKPIT,
  sampleDelegation,
  sampleLease,
  sampleReceipt,
} from "./delegation-fixtures.ts";
import { KEYS, sampleLicense, signer } from "./fixtures.ts";
import { codeOf, rewrap } from "./helpers.ts";

const certificate = sealDelegation(sampleDelegation(), signer);
const lease = sealDelegatedLease(sampleLease(), COCKPIT.signer);
const open = (leaseText = lease, certText = certificate, extra: Record<string, unknown> = {}) =>
  openDelegatedLease(leaseText, certText, { keys: KEYS, now: NOW, ...extra });

describe("delegation certificates and delegated leases", () => {
  it("verify as a chain: vendor key, certificate, lease", () => {
    const opened = open(lease, certificate, { fingerprint: "fp-collector-01", product: "collector" });
    expect(opened.certificate).toEqual(sampleDelegation());
    expect(opened.lease).toEqual(sampleLease());
    expect(authorityKeyId(fromBase64(opened.certificate.authorityKey)!)).toBe(COCKPIT.keyId);
    // The noble implementation agrees.
    expect(open(lease, certificate, { ed25519: nobleEd25519 }).lease.leaseId).toBe(sampleLease().leaseId);
  });

  it("refuse a forged lease, and one signed by a cockpit key that has no certificate", () => {
    // More seats' worth of units under the cockpit's signature of the real lease.
    const forged = rewrap(lease, (envelope) => ({
      ...envelope,
      payload: toBase64(new TextEncoder().encode(JSON.stringify(sampleLease({ units: 1000 })))),
    }));
    expect(codeOf(() => open(forged))).toBe("bad_signature");
    const rogue = sealDelegatedLease(sampleLease(), ROGUE_COCKPIT.signer);
    expect(codeOf(() => open(rogue))).toBe("unknown_key");
    // The rogue key under the real key's id: the signature does not verify.
    const impostor = sealDelegatedLease(sampleLease(), {
      keyId: COCKPIT.keyId,
      sign: ROGUE_COCKPIT.signer.sign,
    });
    expect(codeOf(() => open(impostor))).toBe("bad_signature");
  });

  it("refuse a certificate not signed by the vendor, for other products, expired, not yet valid, or revoked", () => {
    const selfSigned = sealDelegation(sampleDelegation(), COCKPIT.signer);
    expect(codeOf(() => open(lease, selfSigned))).toBe("unknown_key");
    const otherProducts = sealDelegation(sampleDelegation({ products: ["vbuc"] }), signer);
    expect(codeOf(() => open(lease, otherProducts))).toBe("lease_outside_delegation");
    expect(codeOf(() => open(lease, certificate, { now: Date.parse("2026-04-01T00:00:00Z") }))).toBe(
      "delegation_expired",
    );
    expect(codeOf(() => open(lease, certificate, { now: Date.parse("2026-03-01T00:00:00Z") }))).toBe(
      "delegation_not_yet_valid",
    );
    expect(codeOf(() => open(lease, certificate, { revoked: [COCKPIT.keyId] }))).toBe("delegation_revoked");
  });

  it("refuse a lease beyond the certificate's limits, naming the limit", () => {
    for (const [change, words] of [
      [{ product: "vbuc" }, /product the certificate does not delegate/],
      [{ executionModes: ["migrate"] }, /execution mode "migrate"/],
      [{ seat: 11 }, /seat 11 of a certificate with 10/],
      [{ units: 1001 }, /1001 units, more than the certificate's 1000/],
      [{ expiresAt: "2026-04-02T00:00:00Z" }, /outlives its certificate/],
      [{ issuedAt: "2026-03-01T00:00:00Z" }, /issued before its certificate/],
      [
        { issuedAt: "2026-03-02T00:00:00Z", expiresAt: "2026-03-20T00:00:00Z" },
        /longer than the certificate's/,
      ],
      [{ certificateId: "dlg_other" }, /names certificate/],
      [{ licenseId: "lic_other" }, /is for license/],
    ] as const) {
      try {
        open(sealDelegatedLease(sampleLease(change as Partial<DelegatedLease>), COCKPIT.signer));
        expect.unreachable(JSON.stringify(change));
      } catch (error) {
        expect(isModelError(error, "lease_outside_delegation"), JSON.stringify(change)).toBe(true);
        expect((error as Error).message).toMatch(words);
      }
    }
  });

  it("refuse a lease for another machine or product, expired, or issued ahead of the clock", () => {
    expect(codeOf(() => open(lease, certificate, { fingerprint: "fp-other" }))).toBe("lease_scope_mismatch");
    expect(codeOf(() => open(lease, certificate, { product: "cockpit" }))).toBe("lease_scope_mismatch");
    expect(codeOf(() => open(lease, certificate, { now: Date.parse("2026-03-15T00:00:00Z") }))).toBe(
      "lease_expired",
    );
    expect(codeOf(() => open(lease, certificate, { now: Date.parse("2026-03-07T23:54:59Z") }))).toBe(
      "lease_not_yet_valid",
    );
  });

  it("keep certificates, leases and license files apart even under one key", () => {
    // A lease presented as a certificate, a certificate as a lease, a license file as either.
    expect(codeOf(() => open(certificate, certificate))).toBe("wrong_purpose");
    expect(codeOf(() => open(lease, lease))).toBe("wrong_purpose");
    const license = signLicense(sampleLicense(), signer);
    expect(codeOf(() => openDelegation(license, { keys: KEYS, now: NOW }))).toBe("wrong_purpose");
    // The same payload relabelled and re-enveloped under another purpose by the vendor key's signature.
    const relabelled = sealDocument({ purpose: "license-file", payload: sampleDelegation(), signer });
    expect(codeOf(() => openDelegation(relabelled, { keys: KEYS, now: NOW }))).toBe("wrong_purpose");
    expect(codeOf(() => verifyLicenseFile(certificate, KEYS))).toBe("wrong_purpose");
  });

  it("refuse malformed certificates and leases with the field named", () => {
    for (const [change, path] of [
      [{ seats: 0 }, "seats"],
      [{ authorityKey: "AAAA" }, "authorityKey"],
      [{ expiresAt: "2026-07-01T00:00:00Z" }, "expiresAt"],
      [{ revoked: ["fa-nothex"] }, "revoked.0"],
      [{ products: [] }, "products"],
      [{ executionModes: ["scan", "scan"] }, "executionModes"],
    ] as const) {
      try {
        sealDelegation(sampleDelegation(change as never), signer);
        expect.unreachable(JSON.stringify(change));
      } catch (error) {
        expect(isModelError(error, "invalid_payload")).toBe(true);
        expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
      }
    }
    const extra = sealDocument({
      purpose: "delegated-lease",
      payload: { ...sampleLease(), extra: true },
      signer: COCKPIT.signer,
    });
    expect(codeOf(() => open(extra))).toBe("invalid_payload");
  });
});

describe("usage receipts", () => {
  it("chain by hash, verify with the machine's key, and refuse an altered one", () => {
    const first = sealReceipt(sampleReceipt(), COLLECTOR.privateKey);
    const second = sealReceipt(sampleReceipt({ seq: 1, prev: first.hash, units: 5 }), COLLECTOR.privateKey);
    expect(first.receipt.prev).toBe(GENESIS_HASH);
    expect(openReceipt(second.signed, COLLECTOR.publicKey)).toEqual(second);
    // Altered: more units under the same signature.
    const altered = {
      payload: toBase64(
        new TextEncoder().encode(atob(second.signed.payload).replace('"units":5', '"units":1')),
      ),
      signature: second.signed.signature,
    };
    expect(codeOf(() => openReceipt(altered, COLLECTOR.publicKey))).toBe("bad_signature");
    expect(codeOf(() => openReceipt(second.signed, COCKPIT.publicKey))).toBe("bad_signature");
    expect(codeOf(() => openReceipt({ payload: "!", signature: "" }, COLLECTOR.publicKey))).toBe(
      "malformed_envelope",
    );
  });

  it("never verify as another document: the signature covers the receipt's own purpose", () => {
    const receipt = sealReceipt(sampleReceipt(), COLLECTOR.privateKey);
    const asLease = sealDocument({
      purpose: "delegated-lease",
      payload: sampleReceipt(),
      signer: { keyId: COLLECTOR.keyId, sign: () => fromBase64(receipt.signed.signature)! },
    });
    const keys = [{ keyId: COLLECTOR.keyId, publicKey: COLLECTOR.publicKey }];
    expect(codeOf(() => openDelegation(asLease, { keys, now: NOW }))).toBe("wrong_purpose");
  });
});
