// What `#codec` resolves to under Node: Buffer's native codecs, far faster than the portable ones.
// Buffer's decoder is lenient (it skips bad characters and ignores padding bits), so a decoding
// only counts when re-encoding gives back the exact input: that keeps it exactly as strict as
// bytes.ts (one spelling per byte string), at a fraction of the cost of checking with a regex.
//
// Results may be views on Buffer's shared pool, as Buffer.from's are: allocating a fresh array
// costs more than decoding it. They are for bytes this package uses and drops; what it hands to
// callers it copies first (canonicalBytes).
import { Buffer } from "node:buffer";

export function toBase64(bytes: Uint8Array): string {
  return viewOf(bytes).toString("base64");
}

/** Base64 of the UTF-8 bytes of `text`. */
export function utf8ToBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

export function fromBase64(text: string): Uint8Array | undefined {
  return prefixedFromBase64(EMPTY, text);
}

/** `prefix` followed by the bytes `text` decodes to; undefined as for fromBase64. */
export function prefixedFromBase64(prefix: Uint8Array, text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const out = Buffer.allocUnsafe(prefix.length + (text.length / 4) * 3);
  out.set(prefix, 0);
  const end = prefix.length + out.write(text, prefix.length, "base64");
  if (out.toString("base64", prefix.length, end) !== text) return undefined;
  return new Uint8Array(out.buffer, out.byteOffset, end);
}

/** UTF-8 bytes of `text` (Buffer's encoder is several times faster than TextEncoder here). */
export function utf8(text: string): Uint8Array {
  const buffer = Buffer.from(text, "utf8");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** `prefix` followed by the UTF-8 bytes of `text`. */
export function prefixedUtf8(prefix: Uint8Array, text: string): Uint8Array {
  const out = Buffer.allocUnsafe(prefix.length + Buffer.byteLength(text, "utf8"));
  out.set(prefix, 0);
  out.write(text, prefix.length, "utf8");
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const EMPTY = new Uint8Array(0);

function viewOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
