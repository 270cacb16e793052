// Incremental SHA-256, implemented per platform behind the `#sha256` import (package.json).

/** An incremental SHA-256: feed bytes with update, then read the 32-byte digest once. */
export type Sha256 = { update(bytes: Uint8Array): void; digest(): Uint8Array };
