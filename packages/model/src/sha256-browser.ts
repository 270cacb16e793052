// What `#sha256` resolves to outside Node: @noble/hashes' incremental SHA-256 (browsers' own
// crypto.subtle.digest is one-shot only, so it cannot hash a download as it streams).
import { sha256 } from "@noble/hashes/sha2.js";
import type { Sha256 } from "./sha256.ts";

export function createSha256(): Sha256 {
  const hash = sha256.create();
  return {
    update(bytes) {
      hash.update(bytes);
    },
    digest: () => hash.digest(),
  };
}
