import { type Account, type Actor, MAX_PRESET_BYTES, type Product } from "@licensing/contracts";
import { draftLicense } from "@licensing/issuer/license-draft";
import { canonicalBytes, MAX_PAYLOAD_BYTES } from "@licensing/model";
import { describe, expect, it } from "vitest";
import {
  licenseContentEstimate,
  maxLicenseContentBytes,
  metadataBytes,
  otherFieldsBytes,
  presetParametersBytes,
  presetSizeRule,
  shareText,
  shortBytes,
  utf8Length,
} from "../src/licenses/content-size.ts";
import { checkMetadata, checkMetadataJson } from "../src/licenses/metadata-json.ts";
import { changedParameters, defaultsFrom, emptyParameters } from "../src/licenses/parameters.ts";
import { collector } from "./fixtures.ts";

const rows = (metadata: Record<string, string>) =>
  Object.entries(metadata).map(([key, value]) => ({ key, value }));

describe("the sizes the forms measure", () => {
  it("uses the limits the model and the issuer enforce", () => {
    expect(maxLicenseContentBytes).toBe(MAX_PAYLOAD_BYTES);
    expect(presetSizeRule([]).limit).toBe(MAX_PRESET_BYTES);
  });

  it("counts UTF-8 bytes as an encoder does, without encoding", () => {
    for (const text of ["", "plain", "é", "€ and 😀", "lone \ud800 surrogate", "\udc00", "a\ud83d"])
      expect(utf8Length(text), text).toBe(new TextEncoder().encode(text).length);
  });

  it("never overstates a license's content, so the form refuses only what the issuer would", () => {
    // The smallest license the issuer drafts: one-letter names, no contact, no lists, a trial
    // ("trial" being the shortest type), a notice of 0 days.
    const product = {
      ...collector,
      code: "a",
      name: "A",
      unitsTypes: [],
      executionModes: [],
      customFeatures: [],
      defaults: {
        ...collector.defaults,
        accumulatedUnits: -1,
        executionModes: [],
        unitsType: null,
        durationDays: null,
      },
    } satisfies Product;
    const account = { id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK", name: "A", contacts: [] } as unknown as Account;
    const actor: Actor = { id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK", username: "a", roles: ["superadmin"] };
    const examples: Record<string, string>[] = [{}, { po: "PO-1" }, { "x-y": '😀€ \u0001 "quoted"' }];
    for (const metadata of examples) {
      const license = draftLicense({
        id: "lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
        parameters: { products: ["a"], kind: "test", notifyDays: 0, metadata, unitsType: "x" } as never,
        account,
        products: [product],
        actor,
        origin: {},
        keyId: "k20260105-a1b2c3",
        now: new Date("2026-01-05T10:00:00.000Z"),
      });
      const estimate = licenseContentEstimate({ metadata: rows(metadata), friendlyRestrictions: [] });
      expect(estimate).toBeLessThanOrEqual(canonicalBytes(license).length);
      // …and by little: the estimate is what the operator reads.
      expect(canonicalBytes(license).length - estimate).toBeLessThan(150);
    }
    expect(otherFieldsBytes).toBeGreaterThan(0);
  });

  it("measures a preset's parameters exactly as the issuer does", () => {
    const base = defaultsFrom(collector, { ...emptyParameters, products: ["collector"] });
    for (const values of [
      base,
      { ...base, kind: "test" as const, metadata: rows({ po: "PO-1", "é-site": "Lyon 😀" }) },
      { ...base, friendlyRestrictions: [{ key: "Site", value: "Lyon" }] },
      {
        ...base,
        metadata: rows({ a: "1" }),
        friendlyRestrictions: [{ key: "Site", value: 'Ly"on' }],
        durationDays: 30,
      },
    ]) {
      const exact = Buffer.byteLength(JSON.stringify(changedParameters(values, collector)));
      expect(presetParametersBytes(values, collector)).toBe(exact);
    }
  });

  it("measures again only when the rows change", () => {
    const list = rows({ po: "PO-1" });
    expect(metadataBytes(list)).toBe(JSON.stringify({ po: "PO-1" }).length);
    // The form clones rows on every keystroke: the same strings in new objects give the same size.
    expect(metadataBytes(list.map((r) => ({ ...r })))).toBe(JSON.stringify({ po: "PO-1" }).length);
    expect(metadataBytes([{ key: "po", value: "PO-12" }])).toBe(JSON.stringify({ po: "PO-12" }).length);
  });

  it("reads sizes and shares briefly", () => {
    expect(shortBytes(704)).toBe("704 bytes");
    expect(shortBytes(64 * 1024)).toBe("64 KiB");
    expect(shortBytes(60_390)).toBe("59.0 KiB");
    expect(shortBytes(2 * 1024 * 1024)).toBe("2 MiB");
    expect(shortBytes(2_092_481)).toBe("2.0 MiB");
    expect(shareText(2_097_151, 2_097_152)).toBe("99.9%");
    expect(shareText(2_200_000, 2_097_152)).toBe("104.9%");
  });
});

describe("metadata given as JSON", () => {
  it("takes one object of code keys and text values", () => {
    expect(checkMetadataJson('{"po-number": "PO-1", "site": ""}')).toEqual({
      ok: true,
      metadata: { "po-number": "PO-1", site: "" },
    });
  });

  it("names each wrong key, up to five, and counts the rest", () => {
    const bad = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`Key ${i}`, "x"]));
    const check = checkMetadata(bad);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toHaveLength(6);
    expect(check.problems[0]).toBe(
      `Key "Key 0" is not a valid key: it must be lower-case letters, digits, '.', '_' or '-', starting with a letter.`,
    );
    expect(check.problems[5]).toBe("…and 3 more.");
  });

  it("says what a value is when it is not text", () => {
    const check = checkMetadata({ a: { nested: true }, b: null, c: ["x"], d: true });
    expect(check).toEqual({
      ok: false,
      problems: [
        `Key "a": the value must be text, not an object.`,
        `Key "b": the value must be text, not null.`,
        `Key "c": the value must be text, not an array.`,
        `Key "d": the value must be text, not a boolean.`,
      ],
    });
  });

  it("refuses anything but an object, and text that is not JSON", () => {
    const notObjects: [json: string, kind: string][] = [
      ["[]", "an array"],
      ['"po"', "text"],
      ["42", "a number"],
      ["null", "null"],
    ];
    for (const [text, kind] of notObjects)
      expect(checkMetadataJson(text)).toEqual({
        ok: false,
        problems: [
          `Metadata must be one JSON object of keys and text values, e.g. {"po-number": "PO-1234", "site": "Lyon"}; this is ${kind}.`,
        ],
      });
    const broken = checkMetadataJson("{ po: 1 }");
    expect(broken.ok || broken.problems[0]).toMatch(/^This is not valid JSON: /);
  });
});
