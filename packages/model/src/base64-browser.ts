// What `#base64` resolves to outside Node: the portable strict codec.
export { decodeBase64 as fromBase64, encodeBase64 as toBase64 } from "./bytes.ts";
