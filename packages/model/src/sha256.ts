// Incremental SHA-256, implemented per platform behind the `#sha256` import (package.json).
import { createSha256 } from "#sha256";
import { toHex } from "./bytes.ts";

/** An incremental SHA-256: feed bytes with update, then read the 32-byte digest once. */
export type Sha256 = { update(bytes: Uint8Array): void; digest(): Uint8Array };

/** SHA-256 of `bytes` in lower-case hex, with the platform's implementation (node:crypto in Node). */
export function sha256Hex(bytes: Uint8Array): string {
  const hash = createSha256();
  hash.update(bytes);
  return toHex(hash.digest());
}
