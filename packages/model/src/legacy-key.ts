// Legacy license keys: the GUIDs the three legacy generators (Snow Studio, the VBUC CLI License
// Generator, the VBUC Sales Web Flow) handed out. A migrated license keeps its GUID as an alias of
// its `LK-` key, so what customers hold keeps working. Like an `LK-` key, a GUID is a credential:
// the server stores only legacyKeyLookupHash(guid).
import { utf8 } from "./bytes.ts";
import { ModelError } from "./errors.ts";
import { licenseKeyLookupHash } from "./license-key.ts";
import { sha256Hex } from "./sha256.ts";

// 32 hex digits, dashed as 8-4-4-4-12 or not at all, optionally in braces (.NET's "B" format).
const GUID = /^([0-9a-f]{8})(-?)([0-9a-f]{4})\2([0-9a-f]{4})\2([0-9a-f]{4})\2([0-9a-f]{12})$/i;

/** The GUID `input` spells, normalized (see parseLegacyKey), or null when it spells none. */
function normalizedGuid(input: unknown): string | null {
  if (typeof input !== "string") return null;
  let compact = input.trim();
  if (compact.startsWith("{") && compact.endsWith("}")) compact = compact.slice(1, -1);
  const match = compact.length <= 36 ? GUID.exec(compact) : null;
  if (!match) return null;
  const [, a, , b, c, d, e] = match;
  return `${a}-${b}-${c}-${d}-${e}`.toLowerCase();
}

/**
 * Normalizes a GUID as people and .NET write it (any case, with or without braces, with or without
 * dashes, surrounding spaces) into lower-case `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. Throws
 * ModelError `malformed_key` when it is no GUID.
 */
export function parseLegacyKey(input: string): string {
  if (typeof input !== "string") throw new ModelError("malformed_key", "A license key must be text.");
  const guid = normalizedGuid(input);
  if (guid === null) throw new ModelError("malformed_key", "This is not a legacy license key (a GUID).");
  return guid;
}

/**
 * True when `input` is a legacy license key (a GUID in any of the spellings parseLegacyKey reads).
 * Asked of every key a product presents, so it never builds an error (a stack trace) to say no.
 */
export function isLegacyKey(input: string): boolean {
  return normalizedGuid(input) !== null;
}

/**
 * SHA-256 (lower-case hex) of the normalized GUID's ASCII bytes. It never equals an `LK-` key's hash:
 * the two normalized forms differ in shape.
 */
export function legacyKeyLookupHash(key: string): string {
  return sha256Hex(utf8(parseLegacyKey(key)));
}

/**
 * The lookup hash of whatever key a product presents: a legacy GUID's, else an `LK-` key's (which
 * throws ModelError `malformed_key` or `key_checksum_mismatch` for text that is neither).
 */
export function keyLookupHash(key: string): string {
  return isLegacyKey(key) ? legacyKeyLookupHash(key) : licenseKeyLookupHash(key);
}
