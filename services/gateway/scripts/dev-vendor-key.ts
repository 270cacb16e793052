// The development vendor key: an Ed25519 key pair under .data/ that stands in for the vendor's own
// key on a developer's machine, so the CRM module can be activated without a real license.
// `npm start` trusts its public key when GATEWAY_VENDOR_PUBLIC_KEYS is not set; nothing else does.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ed25519 } from "@licensing/model";

export const devVendorKeyId = "dev-vendor";
export const defaultDataDir = resolve(import.meta.dirname, "../../../.data");

export interface DevVendorKey {
  keyId: string;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

const keyFile = (dataDir: string) => resolve(dataDir, "dev-vendor-key.json");

/** The development key pair, created on first use. */
export function ensureDevVendorKey(dataDir = defaultDataDir): DevVendorKey {
  const file = keyFile(dataDir);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, "utf8")) as {
      keyId: string;
      privateKey: string;
      publicKey: string;
    };
    return {
      keyId: stored.keyId,
      privateKey: new Uint8Array(Buffer.from(stored.privateKey, "base64")),
      publicKey: new Uint8Array(Buffer.from(stored.publicKey, "base64")),
    };
  }
  const { privateKey, publicKey } = ed25519.generateKeyPair();
  mkdirSync(dirname(file), { recursive: true });
  const stored = {
    keyId: devVendorKeyId,
    privateKey: Buffer.from(privateKey).toString("base64"),
    publicKey: Buffer.from(publicKey).toString("base64"),
    note: "Development vendor key (npm run dev:activation). Never trust it outside a developer machine.",
  };
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return { keyId: devVendorKeyId, privateKey, publicKey };
}

/** GATEWAY_VENDOR_PUBLIC_KEYS trusting the development key. */
export function devVendorPublicKeys(dataDir = defaultDataDir): string {
  const key = ensureDevVendorKey(dataDir);
  return JSON.stringify([{ keyId: key.keyId, publicKey: Buffer.from(key.publicKey).toString("base64") }]);
}
