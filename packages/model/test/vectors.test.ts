// Re-checks every committed interoperability vector (test/vectors/*.json), and that the files are
// exactly what scripts/make-vectors.ts produces today.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildVectors } from "../scripts/make-vectors.ts";
import { fromHex } from "../src/bytes.ts";
import { canonicalize } from "../src/canonical-json.ts";
import { nativeEd25519 } from "../src/ed25519-native.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { verifyLicenseFile } from "../src/license-file.ts";
import { licenseKeyLookupHash, parseLicenseKey } from "../src/license-key.ts";
import { codeOf } from "./helpers.ts";

const dir = join(import.meta.dirname, "vectors");
const read = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), "utf8"));

type FileCase = {
  name: string;
  file: string;
  licenseKey?: string;
  expected: { valid: true; license: unknown } | { valid: false; code: string };
};
const files = read<{ keys: { keyId: string; trusted: boolean; publicKeyHex: string }[]; cases: FileCase[] }>(
  "license-files.json",
);
const trusted = files.keys
  .filter((k) => k.trusted)
  .map((k) => ({ keyId: k.keyId, publicKey: fromHex(k.publicKeyHex) }));

describe("interoperability vectors", () => {
  describe.each([nativeEd25519, nobleEd25519])("license files ($name)", (ed25519) => {
    it.each(files.cases)("$name", (c) => {
      const verify = () => verifyLicenseFile(c.file, trusted, { licenseKey: c.licenseKey, ed25519 });
      if (c.expected.valid) expect(verify()).toEqual(c.expected.license);
      else expect(codeOf(verify)).toBe(c.expected.code);
    });
  });

  it.each(
    read<{
      cases: { name: string; publicKey: string; message: string; signature: string; valid: boolean }[];
    }>("ed25519.json").cases,
  )("Ed25519: $name", (c) => {
    for (const impl of [nativeEd25519, nobleEd25519]) {
      expect(impl.verify(fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature))).toBe(c.valid);
    }
  });

  it.each(
    read<{ cases: { input: string; normalized?: string; lookupHash?: string; error?: string }[] }>(
      "license-keys.json",
    ).cases,
  )("license key $input", (c) => {
    if (c.error) expect(codeOf(() => parseLicenseKey(c.input))).toBe(c.error);
    else {
      expect(parseLicenseKey(c.input)).toBe(c.normalized);
      expect(licenseKeyLookupHash(c.input)).toBe(c.lookupHash);
    }
  });

  it.each(read<{ cases: { input: string; canonical: string }[] }>("canonical-json.json").cases)(
    "canonical JSON $#",
    (c) => {
      expect(canonicalize(JSON.parse(c.input))).toBe(c.canonical);
    },
  );

  it("are exactly what scripts/make-vectors.ts generates", () => {
    for (const [name, content] of Object.entries(buildVectors())) {
      expect(JSON.parse(JSON.stringify(content)), name).toEqual(read(name));
    }
  });
});
