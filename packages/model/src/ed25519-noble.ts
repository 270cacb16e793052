// Ed25519 on @noble/ed25519: the reference implementation, and the one browsers use. Signing is
// noble's own (deterministic RFC 8032, so byte-identical to every other correct implementation).
// Verification applies the rules in ed25519.ts with noble's point arithmetic, because noble's
// verify() is cofactored (both its ZIP-215 and its strict mode) while OpenSSL, libsodium and the
// .NET libraries are cofactorless; the two only disagree on crafted mixed-order inputs, but
// "accepts exactly the same signatures" means agreeing on those too.
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { equalBytes } from "./bytes.ts";
import { assertPrivateKey, type Ed25519, isAcceptablePublicKeyEncoding, passesPreChecks } from "./ed25519.ts";

ed.hashes.sha512 = sha512; // enables noble's synchronous API

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const MAX_CACHED_KEYS = 1024;
// Decoded public keys (or null for unacceptable ones), keyed by the key's bytes as a string: key
// sets are small and verified against over and over.
const points = new Map<string, InstanceType<typeof ed.Point> | null>();

function decodePublicKey(publicKey: Uint8Array): InstanceType<typeof ed.Point> | null {
  const id = String.fromCharCode.apply(null, publicKey as unknown as number[]);
  let point = points.get(id);
  if (point === undefined) {
    point = null;
    if (isAcceptablePublicKeyEncoding(publicKey)) {
      try {
        point = ed.Point.fromBytes(publicKey, false); // strict: y < p, on the curve
      } catch {
        point = null;
      }
    }
    if (points.size >= MAX_CACHED_KEYS) points.clear();
    points.set(id, point);
  }
  return point;
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let hex = "";
  for (let i = bytes.length - 1; i >= 0; i--) hex += (bytes[i]! < 16 ? "0" : "") + bytes[i]!.toString(16);
  return BigInt(`0x${hex}`);
}

/** Ed25519 in pure JavaScript (@noble/ed25519 with @noble/hashes' SHA-512). */
export const nobleEd25519: Ed25519 = {
  name: "noble",
  generateKeyPair() {
    const privateKey = ed.utils.randomSecretKey();
    return { privateKey, publicKey: ed.getPublicKey(privateKey) };
  },
  getPublicKey(privateKey) {
    assertPrivateKey(privateKey);
    return ed.getPublicKey(privateKey);
  },
  sign(privateKey, message) {
    assertPrivateKey(privateKey);
    return ed.sign(message, privateKey);
  },
  verify(publicKey, message, signature) {
    if (!passesPreChecks(publicKey, message, signature)) return false;
    const A = decodePublicKey(publicKey);
    if (A === null) return false;
    const r = signature.subarray(0, 32);
    const hash = sha512.create().update(r).update(publicKey).update(message).digest();
    const k = littleEndianToBigInt(hash) % L;
    const s = littleEndianToBigInt(signature.subarray(32));
    const expectedR = ed.Point.BASE.multiply(s, false).subtract(A.multiply(k, false));
    return equalBytes(expectedR.toBytes(), r);
  },
};
