// Byte helpers shared by the codec modules. Base64 here is strict on purpose: a signed file must
// have exactly one spelling, so a flipped bit can never produce a different file that still
// verifies (non-canonical padding bits, stray characters and missing padding are all rejected).

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new Uint16Array(4096); // two 6-bit symbols per entry, one table lookup per 12 bits
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
for (let i = 0; i < 4096; i++) {
  ENCODE[i] = (ALPHABET.charCodeAt(i >> 6) << 8) | ALPHABET.charCodeAt(i & 63);
}

const textEncoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const asciiDecoder = new TextDecoder(); // base64 output is ASCII, which UTF-8 decodes on a fast path

/** Standard base64 (RFC 4648 §4) with `=` padding. Portable; see codec-node.ts for the Node path. */
export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    const hi = ENCODE[v >> 12]!;
    const lo = ENCODE[v & 4095]!;
    out[o++] = hi >> 8;
    out[o++] = hi & 255;
    out[o++] = lo >> 8;
    out[o++] = lo & 255;
  }
  if (i < n) {
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (bytes[i]! << 16) | (b1 << 8);
    const hi = ENCODE[v >> 12]!;
    out[o++] = hi >> 8;
    out[o++] = hi & 255;
    out[o++] = i + 1 < n ? ENCODE[v & 4095]! >> 8 : 61;
    out[o++] = 61;
  }
  return asciiDecoder.decode(out);
}

/**
 * Decodes canonical standard base64: length a multiple of 4, correct padding, zero padding bits,
 * no whitespace. Returns undefined for anything else (callers turn that into their own error code).
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const len = text.length;
  if (len % 4 !== 0) return undefined;
  let pad = 0;
  if (len > 0 && text.charCodeAt(len - 1) === 61) pad = text.charCodeAt(len - 2) === 61 ? 2 : 1;
  const out = new Uint8Array((len / 4) * 3 - pad);
  const full = pad === 0 ? len : len - 4;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = decodeChar(text, i);
    const b = decodeChar(text, i + 1);
    const c = decodeChar(text, i + 2);
    const d = decodeChar(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  if (pad > 0) {
    const a = decodeChar(text, full);
    const b = decodeChar(text, full + 1);
    if ((a | b) < 0) return undefined;
    if (pad === 2) {
      if ((b & 15) !== 0) return undefined;
      out[o] = (a << 2) | (b >> 4);
    } else {
      const c = decodeChar(text, full + 2);
      if (c < 0 || (c & 3) !== 0) return undefined;
      out[o++] = (a << 2) | (b >> 4);
      out[o] = ((b & 15) << 4) | (c >> 2);
    }
  }
  return out;
}

/** The 6-bit value of the base64 character at `i`, or -1. */
export function decodeChar(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 256 ? DECODE[code]! : -1;
}

export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Strict UTF-8 decoding: undefined for invalid sequences instead of U+FFFD replacement. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? "0" : "") + bytes[i]!.toString(16);
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new TypeError("expected an even-length hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
