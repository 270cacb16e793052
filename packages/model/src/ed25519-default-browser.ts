// What `#ed25519` resolves to everywhere but Node (browsers, via Vite): pure JavaScript, no node: import.
export { nobleEd25519 as ed25519 } from "./ed25519-noble.ts";
