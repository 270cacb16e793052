// Crafted Ed25519 inputs on which verifiers are known to disagree ("Taming the many EdDSAs"), with
// the answer our rules (src/ed25519.ts) give. Built deterministically with noble's point arithmetic;
// also written to test/vectors/ed25519.json for the .NET implementation.
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, fromHex, toHex, utf8 } from "../src/bytes.ts";
import { SMALL_ORDER_ENCODINGS } from "../src/ed25519.ts";

export type EdgeCase = {
  name: string;
  publicKey: string;
  message: string;
  signature: string;
  valid: boolean;
};

const { Point } = ed;
const G = Point.BASE;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

const leToBigInt = (bytes: Uint8Array) => BigInt(`0x${toHex(bytes.slice().reverse()) || "0"}`);
const le32 = (n: bigint) => fromHex(n.toString(16).padStart(64, "0")).reverse();
const scalar = (label: string) => leToBigInt(sha512(utf8(label))) % L;
const challenge = (R: Uint8Array, A: Uint8Array, M: Uint8Array) =>
  leToBigInt(sha512(concatBytes(concatBytes(R, A), M))) % L;
const point = (hex: string) => Point.fromBytes(fromHex(hex), true);

/** The signature (R, S) a signer holding scalar `a` makes for public-key bytes `A`, with nonce `r`. */
function signAs(a: bigint, A: Uint8Array, r: bigint, R: Uint8Array, message: Uint8Array): Uint8Array {
  const k = challenge(R, A, message);
  return concatBytes(R, le32((r + k * a) % L));
}

/** The first message `label-i` whose challenge k satisfies `accept(k)`. */
function findMessage(
  label: string,
  R: Uint8Array,
  A: Uint8Array,
  accept: (k: bigint) => boolean,
): Uint8Array {
  for (let i = 0; ; i++) {
    const message = utf8(`${label}-${i}`);
    if (accept(challenge(R, A, message))) return message;
  }
}

export function buildEdgeCases(): EdgeCase[] {
  const cases: EdgeCase[] = [];
  const add = (name: string, A: Uint8Array, M: Uint8Array, sig: Uint8Array, valid: boolean) =>
    cases.push({ name, publicKey: toHex(A), message: toHex(M), signature: toHex(sig), valid });

  const a = scalar("edge-case secret scalar");
  const A = G.multiply(a).toBytes();
  const r = scalar("edge-case nonce");
  const R = G.multiply(r).toBytes();
  const T8 = point(SMALL_ORDER_ENCODINGS[4]!);
  const message = utf8("edge cases");

  const honest = signAs(a, A, r, R, message);
  add("honest signature", A, message, honest, true);
  add("honest signature, other message", A, utf8("edge casez"), honest, false);
  const S = leToBigInt(honest.subarray(32));
  add("S + L (non-canonical S)", A, message, concatBytes(R, le32(S + L)), false);
  add("S = L", A, message, concatBytes(R, le32(L)), false);
  add("S with the top bit set", A, message, concatBytes(R, le32(S + 2n ** 255n)), false);
  add("truncated signature", A, message, honest.subarray(0, 63), false);

  // Small-order public keys: with R = [r]B and S = r the cofactorless equation holds whenever
  // [k]A = O, so OpenSSL alone would accept these. Rule 2 refuses them.
  for (const [i, hex] of SMALL_ORDER_ENCODINGS.entries()) {
    const smallA = fromHex(hex);
    const M = findMessage(`small-order A ${i}`, R, smallA, (k) => k % 8n === 0n);
    add(`small-order A #${i} (${hex.slice(0, 8)}…)`, smallA, M, concatBytes(R, le32(r)), false);
  }
  // Non-canonical encodings of the identity as A, same trick.
  const identityPlusP = le32(P + 1n);
  add(
    "non-canonical A: identity encoded with y = p + 1",
    identityPlusP,
    message,
    concatBytes(R, le32(r)),
    false,
  );
  const identityNegativeZero = fromHex(`01${"00".repeat(30)}80`);
  add(
    "non-canonical A: identity with x sign bit set",
    identityNegativeZero,
    message,
    concatBytes(R, le32(r)),
    false,
  );
  // A regular point whose y is also < 19, written as y + p.
  for (let y = 2n; y < 19n; y++) {
    try {
      Point.fromBytes(le32(y), false);
    } catch {
      continue;
    }
    add(`non-canonical A: y = ${y} written as y + p`, le32(y + P), message, honest, false);
    break;
  }
  for (let y = 2n; ; y++) {
    try {
      Point.fromBytes(le32(y), true);
    } catch {
      add(`A not on the curve (y = ${y})`, le32(y), message, honest, false);
      break;
    }
  }

  // Small-order R: R = identity with S = k·a satisfies the cofactorless equation; rule 3 refuses it.
  const identity = fromHex(SMALL_ORDER_ENCODINGS[0]!);
  const kIdentity = challenge(identity, A, message);
  add(
    "small-order R (identity) with S = k·a",
    A,
    message,
    concatBytes(identity, le32((kIdentity * a) % L)),
    false,
  );
  add("small-order R of order 8", A, message, concatBytes(T8.toBytes(), le32(r)), false);
  // Non-canonical R: the identity written with y = p + 1 never equals a computed encoding.
  const kNonCanonical = challenge(identityPlusP, A, message);
  add(
    "non-canonical R (identity, y = p + 1)",
    A,
    message,
    concatBytes(identityPlusP, le32((kNonCanonical * a) % L)),
    false,
  );

  // Mixed-order A = [a]B + T8: cofactorless verification holds exactly when 8 | k; cofactored
  // verifiers (noble's own verify, ZIP-215) accept both.
  const mixedA = G.multiply(a).add(T8).toBytes();
  const M0 = findMessage("mixed-order A", R, mixedA, (k) => k % 8n === 0n);
  add("mixed-order A, k ≡ 0 (mod 8)", mixedA, M0, signAs(a, mixedA, r, R, M0), true);
  const M1 = findMessage("mixed-order A", R, mixedA, (k) => k % 8n !== 0n);
  add("mixed-order A, k ≢ 0 (mod 8)", mixedA, M1, signAs(a, mixedA, r, R, M1), false);
  // Mixed-order R = [r]B + T8: [S]B − [k]A = [r]B ≠ R.
  const mixedR = G.multiply(r).add(T8).toBytes();
  add("mixed-order R", A, message, signAs(a, A, r, mixedR, message), false);
  return cases;
}
