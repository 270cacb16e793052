import { describe, expect, it } from "vitest";
import {
  generateLicenseKey,
  isLegacyKey,
  keyLookupHash,
  legacyKeyLookupHash,
  licenseKeyLookupHash,
  parseLegacyKey,
} from "../src/index.ts";

const guid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

describe("legacy keys (GUIDs)", () => {
  it("normalizes every spelling of a GUID to one form, and so to one hash", () => {
    const spellings = [
      guid,
      guid.toUpperCase(),
      `{${guid}}`,
      `{${guid.toUpperCase()}}`,
      guid.replaceAll("-", ""),
      `{${guid.replaceAll("-", "")}}`,
      `  ${guid}\n`,
    ];
    for (const spelling of spellings) {
      expect(parseLegacyKey(spelling)).toBe(guid);
      expect(legacyKeyLookupHash(spelling)).toBe(legacyKeyLookupHash(guid));
    }
    // The worked example of docs/license-file-format.md, section 9.
    expect(legacyKeyLookupHash(`{${guid.toUpperCase()}}`)).toBe(
      "d1bfaf4aff653cb27984b7d978e51a7d406d1572df95d205c254beb18dc134d3",
    );
  });

  it("refuses what is no GUID", () => {
    for (const bad of [
      "",
      "3f2504e0-4f89-11d3-9a0c-0305e82c330", // a digit short
      "3f2504e0-4f8911d3-9a0c-0305e82c3301", // dashes in some places only
      "{3f2504e0-4f89-11d3-9a0c-0305e82c3301", // one brace
      "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
      generateLicenseKey(),
    ]) {
      expect(isLegacyKey(bad), bad).toBe(false);
      expect(() => parseLegacyKey(bad)).toThrow(expect.objectContaining({ code: "malformed_key" }));
    }
  });

  it("keyLookupHash takes either kind of key, and the two never share a hash", () => {
    const key = generateLicenseKey();
    expect(keyLookupHash(key)).toBe(licenseKeyLookupHash(key));
    expect(keyLookupHash(key.toLowerCase())).toBe(licenseKeyLookupHash(key));
    expect(keyLookupHash(`{${guid.toUpperCase()}}`)).toBe(legacyKeyLookupHash(guid));
    expect(keyLookupHash(guid)).not.toBe(licenseKeyLookupHash(key));
    expect(() => keyLookupHash("not a key")).toThrow(expect.objectContaining({ code: "malformed_key" }));
  });
});
