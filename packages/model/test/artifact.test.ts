import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createArtifactVerifier } from "../src/artifact.ts";
import { isModelError } from "../src/errors.ts";
import { createSha256 as browserSha256 } from "../src/sha256-browser.ts";
import { createSha256 as nodeSha256 } from "../src/sha256-node.ts";
import { codeOf } from "./helpers.ts";

const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const BYTES = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) & 255);
const EXPECTED = { size: BYTES.length, sha256: digest(BYTES) };

/** Feeds `bytes` in chunks of `size`, then finishes. */
function feed(bytes: Uint8Array, chunk = 1000, expected = EXPECTED): string {
  const verifier = createArtifactVerifier(expected);
  for (let i = 0; i < bytes.length; i += chunk) verifier.update(bytes.subarray(i, i + chunk));
  return verifier.finish();
}

describe("createArtifactVerifier", () => {
  it("accepts the exact bytes in any chunking, and returns the digest", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12_000 }), (chunk) => {
        expect(feed(BYTES, chunk)).toBe(EXPECTED.sha256);
      }),
      { numRuns: 50 },
    );
    const empty = createArtifactVerifier({ size: 0, sha256: digest(new Uint8Array()) });
    expect(empty.finish()).toBe(digest(new Uint8Array()));
  });

  it("refuses a wrong byte at the end, with the digest mismatch", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: BYTES.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, flip) => {
          const altered = BYTES.slice();
          altered[at]! ^= flip;
          expect(codeOf(() => feed(altered))).toBe("artifact_hash_mismatch");
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses a truncated stream at finish", () => {
    const verifier = createArtifactVerifier(EXPECTED);
    verifier.update(BYTES.subarray(0, BYTES.length - 1));
    expect(verifier.received).toBe(BYTES.length - 1);
    try {
      verifier.finish();
      expect.unreachable();
    } catch (error) {
      expect(isModelError(error, "artifact_size_mismatch")).toBe(true);
      expect((error as Error).message).toMatch(/9999 bytes, not the 10000/);
    }
  });

  it("refuses the first byte too many, before hashing it, and stays failed", () => {
    const verifier = createArtifactVerifier(EXPECTED);
    verifier.update(BYTES);
    expect(codeOf(() => verifier.update(new Uint8Array(1)))).toBe("artifact_size_mismatch");
    expect(codeOf(() => verifier.finish())).toBe("invalid_argument");
    const oneChunk = createArtifactVerifier(EXPECTED);
    const longer = new Uint8Array(BYTES.length + 1);
    longer.set(BYTES);
    expect(codeOf(() => oneChunk.update(longer))).toBe("artifact_size_mismatch");
  });

  it("verifies a stream past 2 GiB in chunks, never holding it whole", () => {
    // 2 GiB + 8 MiB of 0xA5, generated as one reused 8 MiB chunk; the digest was computed once
    // with node:crypto (hashing it again here would double the test's time).
    const size = 2 ** 31 + 2 ** 23;
    const sha256 = "c32b124f50dd754d2c3846189b0d45e51b6316d9e40deffeb9cf9c928d0f75b0";
    const chunk = new Uint8Array(8 * 2 ** 20).fill(0xa5);
    const verifier = createArtifactVerifier({ size, sha256 });
    for (let sent = 0; sent < size; sent += chunk.length) verifier.update(chunk);
    expect(verifier.received).toBe(size);
    expect(verifier.finish()).toBe(sha256);
  }, 120_000);

  it("refuses malformed expectations", () => {
    for (const expected of [
      { size: -1, sha256: EXPECTED.sha256 },
      { size: 1.5, sha256: EXPECTED.sha256 },
      { size: 2 ** 53, sha256: EXPECTED.sha256 },
      { size: 1, sha256: EXPECTED.sha256.toUpperCase() },
      { size: 1, sha256: "00" },
    ])
      expect(codeOf(() => createArtifactVerifier(expected))).toBe("invalid_argument");
    expect(codeOf(() => createArtifactVerifier(EXPECTED).update("text" as never))).toBe("invalid_argument");
  });

  it("hashes the same under Node and in the browser build", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (chunks) => {
        const node = nodeSha256();
        const browser = browserSha256();
        for (const c of chunks) {
          node.update(c);
          browser.update(c);
        }
        expect(Buffer.from(browser.digest()).toString("hex")).toBe(
          Buffer.from(node.digest()).toString("hex"),
        );
      }),
    );
  });
});
