// What `#sha256` resolves to under Node: node:crypto's SHA-256, several times faster than a portable
// one on the gigabytes an artifact can weigh.
import { createHash } from "node:crypto";
import type { Sha256 } from "./sha256.ts";

export function createSha256(): Sha256 {
  const hash = createHash("sha256");
  return {
    update(bytes) {
      hash.update(bytes);
    },
    digest: () => new Uint8Array(hash.digest()),
  };
}
