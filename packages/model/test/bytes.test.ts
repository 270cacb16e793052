import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64, fromHex, toHex, utf8 } from "../src/bytes.ts";
import {
  fromBase64 as nodeFromBase64,
  toBase64 as nodeToBase64,
  utf8 as nodeUtf8,
} from "../src/codec-node.ts";

const codecs = [
  ["portable", encodeBase64, decodeBase64],
  ["node", nodeToBase64, nodeFromBase64],
] as const;

describe.each(codecs)("base64 (%s)", (_name, encode, decode) => {
  it("matches RFC 4648 test vectors", () => {
    const vectors = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"];
    vectors.forEach((b64, i) => {
      const bytes = new TextEncoder().encode("foobar".slice(0, i));
      expect(encode(bytes)).toBe(b64);
      expect(decode(b64)).toEqual(bytes);
    });
  });

  it("round-trips any bytes and agrees with the other codec", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const text = encode(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(decode(text)).toEqual(bytes);
      }),
    );
  });

  it("accepts exactly one spelling", () => {
    for (const bad of [
      "Zg",
      "Zh==",
      "Zm9=",
      "Zg=",
      "Zg===",
      "Z===",
      "Zm 9v",
      "Zm9v\n",
      "Zm-_",
      "====",
      "Zg==Zg==",
      "Zm9v€",
    ]) {
      expect(decode(bad)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: 24 }), (text) => {
        const bytes = decode(text);
        if (bytes !== undefined) expect(encode(bytes)).toBe(text);
      }),
    );
  });
});

describe("utf8", () => {
  it("encodes exactly as TextEncoder on the Node path too, small and large", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 3000 }), (text) => {
        expect(nodeUtf8(text)).toEqual(utf8(text));
      }),
    );
    const large = "é".repeat(5000);
    expect(nodeUtf8(large)).toEqual(utf8(large));
  });
});

describe("hex", () => {
  it("round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
      }),
    );
  });
});
