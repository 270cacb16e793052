// What `#ed25519` resolves to under Node (package.json "imports"): OpenSSL through node:crypto.
export { nativeEd25519 as ed25519 } from "./ed25519-native.ts";
