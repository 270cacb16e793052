import { sign as nodeSign } from "node:crypto";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../src/bytes.ts";
import { isCanonicalPointEncoding, isCanonicalScalar, SMALL_ORDER_ENCODINGS } from "../src/ed25519.ts";
import { nativeEd25519 } from "../src/ed25519-native.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { buildEdgeCases } from "./ed25519-edge-cases.ts";

// RFC 8032 §7.1, TEST 1, 2, 3 and SHA(abc).
const RFC8032 = [
  {
    secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
  {
    secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    message: "af82",
    signature:
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  },
  {
    secret: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
    public: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
    message:
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    signature:
      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
  },
];

const implementations = [nativeEd25519, nobleEd25519];

describe.each(implementations)("Ed25519 ($name)", (impl) => {
  it.each(RFC8032)("passes RFC 8032 §7.1 vector with message '$message'", (v) => {
    expect(toHex(impl.getPublicKey(fromHex(v.secret)))).toBe(v.public);
    expect(toHex(impl.sign(fromHex(v.secret), fromHex(v.message)))).toBe(v.signature);
    expect(impl.verify(fromHex(v.public), fromHex(v.message), fromHex(v.signature))).toBe(true);
  });

  it("generates working key pairs", () => {
    const { privateKey, publicKey } = impl.generateKeyPair();
    expect(impl.getPublicKey(privateKey)).toEqual(publicKey);
    const message = new TextEncoder().encode("hello");
    expect(impl.verify(publicKey, message, impl.sign(privateKey, message))).toBe(true);
  });

  it.each(buildEdgeCases())("edge case: $name → $valid", (c) => {
    expect(impl.verify(fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature))).toBe(c.valid);
  });

  it("returns false rather than throwing on malformed arguments", () => {
    const good = new Uint8Array(32);
    for (const [pub, msg, sig] of [
      [new Uint8Array(31), good, new Uint8Array(64)],
      [good, good, new Uint8Array(65)],
      ["x", good, new Uint8Array(64)],
      [good, null, new Uint8Array(64)],
    ]) {
      expect(impl.verify(pub as Uint8Array, msg as Uint8Array, sig as Uint8Array)).toBe(false);
    }
    expect(() => impl.sign(new Uint8Array(31), good)).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });

  it("notices a private key mutated after first use", () => {
    const key = nobleEd25519.generateKeyPair().privateKey;
    const message = new Uint8Array([1, 2, 3]);
    const before = impl.sign(key, message);
    key[0]! ^= 1;
    expect(impl.sign(key, message)).toEqual(nobleEd25519.sign(key, message));
    expect(impl.sign(key, message)).not.toEqual(before);
  });

  it("verifies with keys held in Node Buffers (views of a shared pool), and never alters them", () => {
    // Public keys whose last byte has the sign bit: the canonical-encoding check looks at them with
    // the bit cleared, which must happen on a copy (a Buffer's slice() is a view).
    const message = new Uint8Array([4, 5, 6]);
    const pairs = Array.from({ length: 40 }, () => nobleEd25519.generateKeyPair()).filter(
      (pair) => pair.publicKey[31]! & 0x80,
    );
    expect(pairs.length).toBeGreaterThan(3);
    for (const { privateKey, publicKey } of pairs) {
      const signature = impl.sign(privateKey, message);
      const text = Buffer.from(publicKey).toString("base64");
      const pooled = Buffer.from(text, "base64");
      expect(impl.verify(pooled, message, signature)).toBe(true);
      expect(pooled.toString("base64")).toBe(text);
      expect(impl.verify(Buffer.from(text, "base64"), message, signature)).toBe(true);
    }
  });
});

describe("the platform default", () => {
  it("is the native implementation under Node", async () => {
    const { ed25519 } = await import("../src/index.ts");
    expect(ed25519.name).toBe("native");
  });
});

describe("native and noble Ed25519 agree", () => {
  it("on public keys and signatures for random keys and messages", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 2048 }),
        (key, message) => {
          const publicKey = nobleEd25519.getPublicKey(key);
          expect(nativeEd25519.getPublicKey(key)).toEqual(publicKey);
          const signature = nobleEd25519.sign(key, message);
          expect(nativeEd25519.sign(key, message)).toEqual(signature);
          expect(nativeEd25519.verify(publicKey, message, signature)).toBe(true);
          expect(nobleEd25519.verify(publicKey, message, signature)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("on random and mutated signatures, keys and messages", () => {
    const { privateKey, publicKey } = nobleEd25519.generateKeyPair();
    const message = new Uint8Array([9, 8, 7]);
    const signature = nobleEd25519.sign(privateKey, message);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(
            fc.uint8Array({ minLength: 32, maxLength: 32 }),
            fc.uint8Array({ minLength: 64, maxLength: 64 }),
          ),
          fc.tuple(
            fc.constant(publicKey),
            fc.integer({ min: 0, max: 511 }).map((bit) => flip(signature, bit)),
          ),
          fc.tuple(
            fc.integer({ min: 0, max: 255 }).map((bit) => flip(publicKey, bit)),
            fc.constant(signature),
          ),
        ),
        ([pub, sig]) => {
          const answer = nobleEd25519.verify(pub, message, sig);
          expect(nativeEd25519.verify(pub, message, sig)).toBe(answer);
          expect(answer).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("why the verification rules are needed", () => {
  const cases = new Map(buildEdgeCases().map((c) => [c.name, c]));
  // The bare cofactorless equation, with none of the rules: decodes A leniently (ZIP-215 decoding).
  const equationHolds = (c: { publicKey: string; message: string; signature: string }) => {
    const sig = fromHex(c.signature);
    const A = ed.Point.fromBytes(fromHex(c.publicKey), true);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const le = (b: Uint8Array) => BigInt(`0x${toHex(b.slice().reverse())}`);
    const k = le(sha512(Buffer.concat([sig.subarray(0, 32), fromHex(c.publicKey), fromHex(c.message)]))) % L;
    const s = le(sig.subarray(32));
    return (
      toHex(ed.Point.BASE.multiply(s, false).subtract(A.multiply(k, false)).toBytes()) ===
      c.signature.slice(0, 64)
    );
  };

  it("the rules, not the equation, reject small-order and non-canonical keys and small-order R", () => {
    for (const [name, c] of cases) {
      if (/^small-order A|identity encoded|identity with x sign|small-order R \(identity\)/.test(name)) {
        expect(equationHolds(c), name).toBe(true);
        expect(c.valid, name).toBe(false);
      }
    }
  });

  it("noble's own verify is cofactored, even in strict mode", () => {
    const c = cases.get("mixed-order A, k ≢ 0 (mod 8)")!;
    expect(ed.verify(fromHex(c.signature), fromHex(c.message), fromHex(c.publicKey), { zip215: false })).toBe(
      true,
    );
  });

  it("lists exactly the eight small-order points", () => {
    expect(new Set(SMALL_ORDER_ENCODINGS).size).toBe(8);
    for (const hex of SMALL_ORDER_ENCODINGS) {
      const point = ed.Point.fromBytes(fromHex(hex), false);
      expect(point.isSmallOrder()).toBe(true);
      expect(isCanonicalPointEncoding(fromHex(hex))).toBe(true);
    }
  });

  it("checks S < L exactly", () => {
    const L = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    const below = L.slice();
    below[0]! -= 1;
    expect(isCanonicalScalar(below)).toBe(true);
    expect(isCanonicalScalar(L)).toBe(false);
  });

  it("signs like raw node:crypto", () => {
    const { privateKey } = nobleEd25519.generateKeyPair();
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), privateKey]);
    const raw = nodeSign(null, Buffer.from("x"), { key: pkcs8, format: "der", type: "pkcs8" });
    expect(toHex(nativeEd25519.sign(privateKey, new TextEncoder().encode("x")))).toBe(raw.toString("hex"));
  });
});

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}
