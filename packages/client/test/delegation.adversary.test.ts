// Issue 19 from the product's side (docs/client.md, "Fleet delegation"): what a collector refuses
// (forged leases, a cockpit key without a certificate, leases beyond the certificate, expired and
// revoked certificates, a clock set back), what a cockpit refuses to sign (seats, units, products,
// modes, lease lives beyond its certificate), and what it reports of a collector's receipts.
import {
  authorityKeyId,
  createSigner,
  type DelegatedLease,
  ed25519,
  openReceipt,
  type SignedReceipt,
  sealDelegatedLease,
  sealReceipt,
} from "@licensing/model";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../src/index.ts";
import { reasonOf } from "./client-harness.ts";
import {
  certificate,
  certifiedCockpit,
  cockpit,
  collector,
  day,
  fromBase64,
  hour,
  LICENSE_ID,
  peek,
  START,
  tamper,
  toBase64,
  vendorKey,
  world,
} from "./support/delegation.ts";

const request = (collectorKey: string, fingerprint: string, more: object = {}) => ({
  fingerprint,
  collectorKey,
  product: "collector",
  executionModes: ["scan"],
  units: 100,
  ttlSeconds: 24 * 3600,
  ...more,
});

/** A lease as a cockpit would sign it, under `keyPair`'s key (not checked against any certificate). */
function handSigned(keyPair: { privateKey: Uint8Array; publicKey: Uint8Array }, lease: DelegatedLease) {
  return sealDelegatedLease(lease, createSigner(authorityKeyId(keyPair.publicKey), keyPair.privateKey));
}

describe("a collector given a lease", () => {
  it("installs a lease signed within a certificate and runs under it", async () => {
    const { options } = world();
    const authority = await certifiedCockpit(options);
    const c = collector(options, "collector-01");
    const issued = await authority.issueLease(request(await c.machineKey(), "collector-01"));
    const lease = await c.installDelegatedLease(issued.lease, issued.certificate);
    expect(lease).toMatchObject({ seat: 1, units: 100, licenseId: LICENSE_ID, product: "collector" });
    expect(await c.recordExecution({ units: 40, mode: "scan" })).toMatchObject({
      seq: 0,
      unitsRemaining: 60,
    });
    expect(await reasonOf(c.recordExecution({ units: 61 }))).toBe("units_exhausted");
    expect(await reasonOf(c.recordExecution({ units: 1, mode: "inventory" }))).toBe("mode_not_allowed");
    expect((await c.receipts()).length).toBe(1);
  });

  it("refuses a forged lease: altered, or signed by another key under the cockpit's id", async () => {
    const { options } = world();
    const authority = await certifiedCockpit(options);
    const c = collector(options, "collector-01");
    const issued = await authority.issueLease(request(await c.machineKey(), "collector-01"));
    const more = tamper(issued.lease, (lease) => {
      lease.units = 1_000_000;
    });
    expect(await reasonOf(c.installDelegatedLease(more, issued.certificate))).toBe("bad_signature");
    // Another key, presenting itself under the cockpit's key id: the signature does not verify.
    const forger = ed25519.generateKeyPair();
    const { keyId } = await authority.authorityKey();
    const forged = sealDelegatedLease(
      { ...(peek(issued.lease) as DelegatedLease), units: 1_000_000 },
      createSigner(keyId, forger.privateKey),
    );
    expect(await reasonOf(c.installDelegatedLease(forged, issued.certificate))).toBe("bad_signature");
    expect(await reasonOf(c.check())).toBe("lease_expired"); // nothing was installed
  });

  it("refuses a lease signed by a cockpit key with no certificate", async () => {
    const { options } = world();
    const authority = await certifiedCockpit(options);
    const c = collector(options, "collector-01");
    const issued = await authority.issueLease(request(await c.machineKey(), "collector-01"));
    const rogue = ed25519.generateKeyPair();
    const lease = handSigned(rogue, peek(issued.lease) as DelegatedLease);
    expect(await reasonOf(c.installDelegatedLease(lease, issued.certificate))).toBe("untrusted_key");
    // Nor does a certificate the rogue key signed itself (not a vendor key) help.
    const self = certificate(
      { ...options.vendor, signer: createSigner(options.vendor.keyId, rogue.privateKey) },
      toBase64(rogue.publicKey),
    );
    expect(await reasonOf(c.installDelegatedLease(lease, self))).toBe("bad_signature");
  });

  it("refuses a lease beyond its certificate: another product, another machine, another key", async () => {
    const { options, vendor } = world();
    const cockpitKey = ed25519.generateKeyPair();
    const cert = certificate(vendor, toBase64(cockpitKey.publicKey), { products: ["reporter"] });
    const c = collector(options, "collector-01");
    const lease: DelegatedLease = {
      certificateId: "dlg_01JCOCKPIT0001",
      collectorKey: await c.machineKey(),
      executionModes: ["scan"],
      expiresAt: new Date(START + day).toISOString(),
      fingerprint: "collector-01",
      issuedAt: new Date(START).toISOString(),
      leaseId: "dls_01",
      licenseId: LICENSE_ID,
      product: "collector",
      seat: 1,
      units: 10,
    };
    expect(await reasonOf(c.installDelegatedLease(handSigned(cockpitKey, lease), cert))).toBe(
      "not_delegated",
    );
    const collectorCert = certificate(vendor, toBase64(cockpitKey.publicKey));
    const elsewhere = handSigned(cockpitKey, { ...lease, fingerprint: "collector-02" });
    expect(await reasonOf(c.installDelegatedLease(elsewhere, collectorCert))).toBe("fingerprint_mismatch");
    const otherKey = handSigned(cockpitKey, { ...lease, collectorKey: toBase64(cockpitKey.publicKey) });
    expect(await reasonOf(c.installDelegatedLease(otherKey, collectorCert))).toBe("fingerprint_mismatch");
    const tooLong = handSigned(cockpitKey, { ...lease, expiresAt: new Date(START + 3 * day).toISOString() });
    expect(await reasonOf(c.installDelegatedLease(tooLong, collectorCert))).toBe("not_delegated");
    expect(await c.installDelegatedLease(handSigned(cockpitKey, lease), collectorCert)).toMatchObject({
      units: 10,
    });
  });

  it("stops at the certificate's expiry, whatever the lease says, and a clock set back does not revive it", async () => {
    const { options, clock } = world();
    const authority = await certifiedCockpit(options, { expiresAt: new Date(START + 2 * day).toISOString() });
    const c = collector(options, "collector-01");
    clock.t = START + day + 12 * hour;
    const issued = await authority.issueLease(
      request(await c.machineKey(), "collector-01", { ttlSeconds: 12 * 3600 }),
    );
    await c.installDelegatedLease(issued.lease, issued.certificate);
    await c.recordExecution({ units: 1 });
    clock.t = START + 2 * day + 1; // the certificate (and the lease with it) ends
    expect(await reasonOf(c.recordExecution({ units: 1 }))).toBe("delegation_expired");
    clock.t = START + day + 13 * hour; // set back by hours: refused as such
    expect(await reasonOf(c.check())).toBe("clock_set_back");
    clock.t = START + 2 * day - 60_000; // set back within the tolerance: the highest time seen still counts
    expect(await reasonOf(c.check())).toBe("delegation_expired");
    // The cockpit refuses to sign under an expired certificate too.
    clock.t = START + 3 * day;
    expect(await reasonOf(authority.issueLease(request(await c.machineKey(), "collector-01")))).toBe(
      "delegation_expired",
    );
  });

  it("stops at the lease's expiry, and a clock set back within the tolerance does not revive it", async () => {
    const { options, clock } = world();
    const authority = await certifiedCockpit(options);
    const c = collector(options, "collector-01");
    const issued = await authority.issueLease(
      request(await c.machineKey(), "collector-01", { ttlSeconds: 3600 }),
    );
    await c.installDelegatedLease(issued.lease, issued.certificate);
    clock.t = START + hour + 1_000;
    expect(await reasonOf(c.recordExecution({ units: 1 }))).toBe("lease_expired");
    clock.t = START + hour - 2 * 60_000;
    expect(await reasonOf(c.recordExecution({ units: 1 }))).toBe("lease_expired");
    clock.t = START;
    expect(await reasonOf(c.recordExecution({ units: 1 }))).toBe("clock_set_back");
    expect(await c.receipts()).toEqual([]);
  });

  it("does not give a lease's units back when its state is damaged (edited, or copied in)", async () => {
    const { options, clock } = world();
    const authority = await certifiedCockpit(options);
    const storage = new MemoryStorage();
    const c = collector(options, "collector-01", storage);
    const issued = await authority.issueLease(request(await c.machineKey(), "collector-01"));
    await c.installDelegatedLease(issued.lease, issued.certificate);
    await c.recordExecution({ units: 90 });
    await storage.set("state", "licensing-state/v1 forged\n{}");
    clock.t += 60_000;
    expect(await reasonOf(c.installDelegatedLease(issued.lease, issued.certificate))).toBe("lease_expired");
    const renewed = await authority.issueLease(request(await c.machineKey(), "collector-01"));
    await c.installDelegatedLease(renewed.lease, renewed.certificate);
    expect(await c.recordExecution({ units: 100 })).toMatchObject({ seq: 0, unitsRemaining: 0 });
  });

  it("refuses the leases of a revoked cockpit key once a newer certificate names it", async () => {
    const { options, clock, vendor } = world();
    const revokedCockpit = await certifiedCockpit(options);
    const c = collector(options, "collector-01");
    const old = await revokedCockpit.issueLease(request(await c.machineKey(), "collector-01"));
    await c.installDelegatedLease(old.lease, old.certificate);
    // Another cockpit of the account, certified later, carries the revocation to the collector.
    clock.t = START + hour;
    const other = await cockpit(options);
    const revoked = (await revokedCockpit.authorityKey()).keyId;
    await other.acceptDelegation(
      certificate(vendor, (await other.authorityKey()).publicKey, {
        certificateId: "dlg_01JOTHER0001",
        issuedAt: new Date(clock.t).toISOString(),
        serial: 2,
        revoked: [revoked],
      }),
    );
    const fresh = await other.issueLease(request(await c.machineKey(), "collector-01"));
    await c.installDelegatedLease(fresh.lease, fresh.certificate);
    expect(await reasonOf(c.installDelegatedLease(old.lease, old.certificate))).toBe("delegation_revoked");
    // An older certificate does not take the revocation back.
    expect(await reasonOf(c.installDelegatedLease(old.lease, old.certificate))).toBe("delegation_revoked");
    expect(await c.recordExecution({ units: 1 })).toMatchObject({ seq: 0 });
  });
});

describe("a cockpit asked for a lease", () => {
  it("refuses more seats than the certificate's; the same fingerprint keeps its seat; a release frees one", async () => {
    const { options, clock } = world();
    const authority = await certifiedCockpit(options, { seats: 2 });
    const key = toBase64(ed25519.generateKeyPair().publicKey);
    const a = peek((await authority.issueLease(request(key, "fp-a"))).lease);
    const b = peek((await authority.issueLease(request(key, "fp-b"))).lease);
    expect([a.seat, b.seat]).toEqual([1, 2]);
    expect(await reasonOf(authority.issueLease(request(key, "fp-c")))).toBe("seats_exhausted");
    clock.t += hour;
    expect(peek((await authority.issueLease(request(key, "fp-a"))).lease).seat).toBe(1);
    await authority.releaseLease("fp-b");
    expect(peek((await authority.issueLease(request(key, "fp-c"))).lease).seat).toBe(2);
    clock.t += 2 * day; // every lease has expired: the seats are free again
    expect(peek((await authority.issueLease(request(key, "fp-d"))).lease).seat).toBe(1);
  });

  it("refuses more units than the certificate grants over its life", async () => {
    const { options, clock } = world();
    const authority = await certifiedCockpit(options, { units: 150 });
    const key = toBase64(ed25519.generateKeyPair().publicKey);
    await authority.issueLease(request(key, "fp-a", { units: 100 }));
    clock.t += 2 * day; // expired leases still count: units are granted over the certificate's life
    expect(await reasonOf(authority.issueLease(request(key, "fp-b", { units: 51 })))).toBe("units_exhausted");
    await authority.issueLease(request(key, "fp-b", { units: 40 }));
    expect(await reasonOf(authority.recordExecution({ units: 11 }))).toBe("units_exhausted");
    expect(await authority.recordExecution({ units: 10, mode: "scan" })).toEqual({ seq: 0 });
  });

  it("refuses products, modes and lease lives the certificate does not delegate", async () => {
    const { options } = world();
    const authority = await certifiedCockpit(options, { executionModes: ["scan"] });
    const key = toBase64(ed25519.generateKeyPair().publicKey);
    expect(await reasonOf(authority.issueLease(request(key, "fp", { product: "reporter" })))).toBe(
      "not_delegated",
    );
    expect(await reasonOf(authority.issueLease(request(key, "fp", { executionModes: ["inventory"] })))).toBe(
      "not_delegated",
    );
    expect(await reasonOf(authority.issueLease(request(key, "fp", { ttlSeconds: 3 * 24 * 3600 })))).toBe(
      "not_delegated",
    );
    expect(await reasonOf(authority.recordExecution({ units: 1, mode: "inventory" }))).toBe(
      "mode_not_allowed",
    );
  });

  it("signs nothing without a certificate, and accepts only one for its own key and license", async () => {
    const { options, vendor } = world();
    const authority = await cockpit(options);
    const key = toBase64(ed25519.generateKeyPair().publicKey);
    expect(await reasonOf(authority.issueLease(request(key, "fp")))).toBe("delegation_expired");
    expect(await reasonOf(authority.acceptDelegation(certificate(vendor, key)))).toBe("not_delegated");
    const { publicKey } = await authority.authorityKey();
    const otherLicense = certificate(vendor, publicKey, { licenseId: "lic_01JANOTHERLICENSE01" });
    expect(await reasonOf(authority.acceptDelegation(otherLicense))).toBe("not_delegated");
    const untrusted = certificate(vendorKey("k2026-stranger"), publicKey);
    expect(await reasonOf(authority.acceptDelegation(untrusted))).toBe("untrusted_key");
    await authority.acceptDelegation(certificate(vendor, publicKey, { serial: 3 }));
    const older = certificate(vendor, publicKey, { serial: 2, certificateId: "dlg_01JOLDER0001" });
    expect(await reasonOf(authority.acceptDelegation(older))).toBe("replayed_answer");
  });
});

describe("a cockpit collecting a collector's receipts", () => {
  async function withReceipts(count: number) {
    const { options } = world();
    const authority = await certifiedCockpit(options);
    const storage = new MemoryStorage();
    const c = collector(options, "collector-01", storage);
    const machineKey = await c.machineKey();
    const issued = await authority.issueLease(request(machineKey, "collector-01"));
    await c.installDelegatedLease(issued.lease, issued.certificate);
    for (let i = 0; i < count; i++) await c.recordExecution({ units: 1, mode: "scan" });
    const { privateKey } = JSON.parse((await storage.get("machine-key"))!) as { privateKey: string };
    const leaseId = String(peek(issued.lease).leaseId);
    return { authority, c, machineKey, privateKey: fromBase64(privateKey), leaseId };
  }

  it("takes them in order, counts a replay once, and carries on from where it stopped", async () => {
    const { authority, c, machineKey } = await withReceipts(5);
    const receipts = await c.receipts();
    expect(await authority.acceptReceipts(machineKey, receipts.slice(0, 3))).toEqual({
      accepted: 3,
      duplicates: 0,
      anomalies: [],
    });
    expect(await authority.acceptReceipts(machineKey, await c.receipts())).toEqual({
      accepted: 2,
      duplicates: 3,
      anomalies: [],
    });
    const upload = await authority.exportReceipts();
    expect(upload.logs).toHaveLength(1);
    expect(upload.logs[0]!.receipts).toEqual(receipts);
    expect(upload.leases).toHaveLength(1);
  });

  it("reports a gap, a fork, a broken link, an altered receipt and an unknown machine", async () => {
    const { authority, c, machineKey, privateKey, leaseId } = await withReceipts(4);
    const receipts = await c.receipts();
    const kinds = async (given: SignedReceipt[], key = machineKey) =>
      (await authority.acceptReceipts(key, given)).anomalies.map((a) => [a.kind, a.seq]);
    expect(await kinds([receipts[0]!, receipts[2]!])).toEqual([["gap", 2]]);
    const signer = authorityKeyId(fromBase64(machineKey));
    const base = {
      at: new Date(START).toISOString(),
      leaseId,
      licenseId: LICENSE_ID,
      mode: null,
      product: "collector",
      signer,
    };
    const fork = sealReceipt({ ...base, seq: 0, prev: "0".repeat(64), units: 99 }, privateKey).signed;
    expect(await kinds([fork])).toEqual([["fork", 0]]);
    const broken = sealReceipt({ ...base, seq: 1, prev: "f".repeat(64), units: 1 }, privateKey).signed;
    expect(await kinds([broken])).toEqual([["broken_link", 1]]);
    const altered = { ...receipts[1]!, payload: receipts[2]!.payload };
    expect(await kinds([altered])).toEqual([["altered", null]]);
    const prev = openReceipt(receipts[0]!, fromBase64(machineKey)).hash;
    const notLeased = sealReceipt(
      { ...base, seq: 1, prev, leaseId: "dls_other", units: 1 },
      privateKey,
    ).signed;
    expect(await kinds([notLeased])).toEqual([["invalid_lease", 1]]);
    const stranger = toBase64(ed25519.generateKeyPair().publicKey);
    expect(await kinds(receipts, stranger)).toEqual([["unknown_machine", null]]);
    // What fits was kept: receipt 0, then the rest once given in order.
    expect(await authority.acceptReceipts(machineKey, receipts)).toMatchObject({
      accepted: 3,
      duplicates: 1,
    });
  });
});
