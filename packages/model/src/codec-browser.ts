// What `#codec` resolves to outside Node: the portable strict base64 codec and TextEncoder.
import { concatBytes, decodeBase64, encodeBase64, utf8 } from "./bytes.ts";

export { decodeBase64 as fromBase64, encodeBase64 as toBase64, utf8 } from "./bytes.ts";

/** `prefix` followed by the bytes `text` decodes to; undefined when `text` is not canonical base64. */
export function prefixedFromBase64(prefix: Uint8Array, text: string): Uint8Array | undefined {
  const bytes = decodeBase64(text);
  return bytes === undefined ? undefined : concatBytes(prefix, bytes);
}

/** `prefix` followed by the UTF-8 bytes of `text`. */
export function prefixedUtf8(prefix: Uint8Array, text: string): Uint8Array {
  return concatBytes(prefix, utf8(text));
}

/** Base64 of the UTF-8 bytes of `text`. */
export function utf8ToBase64(text: string): string {
  return encodeBase64(utf8(text));
}
