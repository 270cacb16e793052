import { SealedBox, type SealedColumn } from "@licensing/platform";

/** The issuer's sealed box: ISSUER_KEK seals, ISSUER_KEK_PREVIOUS still opens. */
export function issuerSealedBox(kek: Buffer, previousKeks: readonly Buffer[] = []): SealedBox {
  return new SealedBox({ current: kek, previous: previousKeks }, "ISSUER_KEK");
}

/**
 * Every value the issuer keeps sealed: what `npm run kek:rotate` reseals. The contexts are the ones
 * signing-keys.ts, issuance.ts and idempotency.ts seal with.
 */
export const issuerSealedColumns: readonly SealedColumn[] = [
  {
    name: "signing keys",
    table: "signing_keys",
    keys: ["key_id"],
    read: "private_key_enc",
    write: "private_key_enc = $1",
    context: ([keyId]) => `signing key ${keyId}`,
  },
  {
    name: "license keys",
    table: "licenses",
    keys: ["id"],
    read: "key_enc",
    write: "key_enc = $1",
    context: ([id]) => `license key ${id}`,
  },
  {
    // Stored answers of idempotent requests hold license keys too: base64 inside their JSON.
    name: "stored answers",
    table: "idempotency_keys",
    keys: ["scope", "key"],
    read: "decode(response->>'sealed', 'base64')",
    write: "response = jsonb_build_object('sealed', encode($1, 'base64'))",
    context: ([scope, key]) => `idempotency ${scope} ${key}`,
  },
];
