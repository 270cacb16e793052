// Fleet delegation without a server: a vendor key that signs the cockpit's license and its
// certificates (as the issuer would), a cockpit and collectors on one test clock, and a stand-in for
// the distribution service's two routes (POST /v1/delegations, POST /v1/receipts) on that key.
import {
  DELEGATION_REQUEST_PURPOSE,
  delegationRequestPayloadSchema,
  MAX_RECEIPTS_PER_UPLOAD,
  receiptUploadRequest,
} from "@licensing/contracts";
import {
  authorityKeyId,
  createSigner,
  type Delegation,
  ed25519,
  GENESIS_HASH,
  openDelegatedLease,
  openDocument,
  openReceipt,
  sealDelegation,
  signLicense,
} from "@licensing/model";
import { sampleLicense } from "@licensing/model/testing";
import { type FetchLike, LicenseManager, MemoryStorage } from "../../src/index.ts";

export const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
export const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, "base64"));

export const START = Date.parse("2026-03-02T00:00:00Z");
export const hour = 3_600_000;
export const day = 24 * hour;

/** One clock every manager of a test reads. */
export function testClock(at = START) {
  const clock = { t: at, now: () => new Date(clock.t) };
  return clock;
}

/** A test's clock and vendor, and the options the helpers below take. */
export function world() {
  const clock = testClock();
  const vendor = vendorKey();
  return { clock, vendor, options: { clock, vendor } };
}

/** A vendor's license-role key pair. */
export function vendorKey(keyId = "k2026-vendor") {
  const { privateKey, publicKey } = ed25519.generateKeyPair();
  return {
    keyId,
    publicKey,
    signer: createSigner(keyId, privateKey),
    trusted: [{ keyId, publicKey: toBase64(publicKey) }],
  };
}
export type Vendor = ReturnType<typeof vendorKey>;

export const LICENSE_ID = "lic_01JCOCKPITLICENSE0001";

/** The cockpit's license file, signed by the vendor. */
export function cockpitLicense(vendor: Vendor, id = LICENSE_ID): string {
  // The model's sample license, current for the test clock, unlimited, and signed by this vendor.
  const license = sampleLicense({
    id,
    accountId: "acc_contoso0001",
    products: ["cockpit", "collector"],
    productFriendlyNames: ["Cockpit", "Collector"],
    dateIssued: "2026-01-01T00:00:00Z",
    signedAt: "2026-01-01T00:00:00Z",
    startDate: "2026-01-01T00:00:00Z",
    endDate: "2027-01-01T00:00:00Z",
    accumulatedUnits: -1,
    unitsPerExecution: -1,
    availableActivations: -1,
    seats: 10,
    executionModes: ["scan", "inventory"],
    friendlyRestrictions: [],
    allowedCustomFeatures: [],
    metadata: {},
    keyId: vendor.keyId,
  });
  return signLicense(license, vendor.signer);
}

/** A certificate for `authorityKey`, signed by the vendor; override any member. */
export function certificate(
  vendor: Vendor,
  authorityKey: string,
  overrides: Partial<Delegation> = {},
): string {
  return sealDelegation(
    {
      accountId: "acc_contoso0001",
      authorityKey,
      certificateId: "dlg_01JCOCKPIT0001",
      executionModes: ["inventory", "scan"],
      expiresAt: new Date(START + 30 * day).toISOString(),
      issuedAt: new Date(START).toISOString(),
      licenseId: LICENSE_ID,
      maxLeaseSeconds: 2 * 24 * 3600,
      products: ["collector"],
      revoked: [],
      seats: 10,
      serial: 1,
      units: 100_000,
      ...overrides,
    },
    vendor.signer,
  );
}

type Options = { clock: ReturnType<typeof testClock>; vendor: Vendor; fetch?: FetchLike };

/** A cockpit (its license loaded), offline unless given a fetch. */
export async function cockpit({ clock, vendor, fetch }: Options, license = cockpitLicense(vendor)) {
  const manager = new LicenseManager({
    product: "cockpit",
    trustedKeys: vendor.trusted,
    storage: new MemoryStorage(),
    fingerprint: "cockpit-01",
    now: clock.now,
    ...(fetch ? { serverUrl: "http://vendor.test", fetch, licenseKey: "LK-TEST" } : { offline: true }),
  });
  await manager.load(license);
  return manager.fleetAuthority();
}

/** A cockpit with a certificate accepted (offline, as an operator's answer would be). */
export async function certifiedCockpit(options: Options, overrides: Partial<Delegation> = {}) {
  const authority = await cockpit(options);
  const { publicKey } = await authority.authorityKey();
  await authority.acceptDelegation(certificate(options.vendor, publicKey, overrides));
  return authority;
}

/** A collector under a cockpit: no license file, offline. */
export function collector({ clock, vendor }: Options, fingerprint: string, storage = new MemoryStorage()) {
  return new LicenseManager({
    product: "collector",
    trustedKeys: vendor.trusted,
    storage,
    fingerprint,
    offline: true,
    now: clock.now,
  }).delegatedCollector();
}

/** The payload of an armored document, unverified (the stand-in verifies it next). */
export function peek(armored: string): Record<string, unknown> {
  const lines = armored.trim().split("\n").slice(1, -1).join("");
  const envelope = JSON.parse(Buffer.from(lines, "base64").toString("utf8")) as { payload: string };
  return JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as Record<string, unknown>;
}

/** The document with its payload changed by `change`, its signature kept (a forgery). */
export function tamper(armored: string, change: (payload: Record<string, unknown>) => void): string {
  const [begin, ...rest] = armored.trim().split("\n");
  const end = rest.pop();
  const envelope = JSON.parse(Buffer.from(rest.join(""), "base64").toString("utf8")) as { payload: string };
  const payload = peek(armored);
  change(payload);
  envelope.payload = Buffer.from(JSON.stringify(payload)).toString("base64");
  const body = Buffer.from(JSON.stringify(envelope)).toString("base64");
  return `${[begin, ...(body.match(/.{1,64}/g) ?? []), end].join("\n")}\n`;
}

/**
 * Checks an upload as the distribution service would: each lease verified under one of
 * `certificates` (at its own issue time), each log a chain from its first receipt, each receipt
 * naming a lease the upload carries (or none, the cockpit's own). Returns the units it counts.
 */
export function verifyUpload(vendor: Vendor, upload: unknown, certificates: readonly string[]) {
  const parsed = receiptUploadRequest.parse(upload);
  const leases = new Set<string>();
  for (const text of parsed.leases) {
    const now = Date.parse(String(peek(text).issuedAt));
    const opened = certificates.flatMap((cert) => {
      try {
        return [openDelegatedLease(text, cert, { keys: vendor.trusted.map(trustedEntry), now })];
      } catch {
        return [];
      }
    });
    if (opened.length === 0) throw new Error("a lease of the upload verifies under no certificate");
    leases.add(opened[0]!.lease.leaseId);
  }
  let units = 0;
  let receipts = 0;
  for (const log of parsed.logs) {
    const key = fromBase64(log.machineKey);
    let last: { seq: number; hash: string } | undefined;
    for (const signed of log.receipts) {
      const { receipt, hash } = openReceipt(signed, key);
      if (last && receipt.seq !== last.seq + 1) throw new Error(`gap at ${receipt.seq}`);
      if (last && receipt.prev !== last.hash) throw new Error(`broken link at ${receipt.seq}`);
      if (receipt.seq === 0 && receipt.prev !== GENESIS_HASH) throw new Error("bad genesis");
      if (receipt.signer !== authorityKeyId(key)) throw new Error("signer");
      if (receipt.leaseId !== null && !leases.has(receipt.leaseId))
        throw new Error(`lease ${receipt.leaseId} missing`);
      last = { seq: receipt.seq, hash };
      units += receipt.units;
      receipts++;
    }
  }
  return { units, receipts, leases: leases.size, logs: parsed.logs.length };
}

function trustedEntry(key: { keyId: string; publicKey: string }) {
  return { keyId: key.keyId, publicKey: fromBase64(key.publicKey) };
}

/**
 * The distribution service's delegation routes on the vendor key: answers a delegation request with
 * a certificate (checking the request's signature), accepts receipts uploads and counts them.
 */
export function stubServer(
  vendor: Vendor,
  clock: ReturnType<typeof testClock>,
  overrides: Partial<Delegation> = {},
) {
  const served = { certificates: 0, issued: [] as string[], uploads: [] as unknown[], units: 0 };
  const fetch: FetchLike = async (url, init) => {
    const body = JSON.parse(String(init?.body ?? "null"));
    if (url.endsWith("/v1/delegations")) {
      const payload = delegationRequestPayloadSchema.parse(peek(body.request));
      const key = fromBase64(payload.authorityKey);
      openDocument(body.request, {
        purpose: DELEGATION_REQUEST_PURPOSE,
        keys: [{ keyId: authorityKeyId(key), publicKey: key }],
      });
      served.certificates++;
      const text = certificate(vendor, payload.authorityKey, {
        issuedAt: new Date(clock.t).toISOString(),
        expiresAt: new Date(clock.t + 30 * day).toISOString(),
        certificateId: `dlg_01JRENEWED000${served.certificates}`,
        serial: served.certificates + 1,
        ...overrides,
      });
      served.issued.push(text);
      return Response.json({
        certificate: text,
        certificateId: "dlg",
        serial: served.certificates + 1,
        expiresAt: new Date(clock.t + 30 * day).toISOString(),
      });
    }
    if (url.endsWith("/v1/receipts")) {
      const upload = receiptUploadRequest.parse(body);
      const count = upload.logs.reduce((n, l) => n + l.receipts.length, 0);
      if (count > MAX_RECEIPTS_PER_UPLOAD)
        return Response.json({ code: "validation_failed" }, { status: 400 });
      served.uploads.push(upload);
      const { units } = verifyUpload(vendor, upload, served.issued);
      served.units += units;
      return Response.json({ accepted: count, duplicates: 0, units, anomalies: [] });
    }
    return Response.json({ code: "not_found", message: "no such route" }, { status: 404 });
  };
  return { fetch, served };
}
