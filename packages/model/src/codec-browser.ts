// What `#codec` resolves to outside Node: the portable strict base64 codec and TextEncoder.
export { decodeBase64 as fromBase64, encodeBase64 as toBase64, utf8 } from "./bytes.ts";
