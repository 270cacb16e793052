import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { kekId, SealedBox, SealedBoxError } from "../src/index.ts";

const kekA = randomBytes(32);
const kekB = randomBytes(32);

/** A value as the issuer and the notifier sealed it before key ids: nonce ‖ ciphertext ‖ tag. */
function legacySeal(kek: Buffer, plaintext: string, context: string, nonce = randomBytes(12)): Buffer {
  const cipher = createCipheriv("aes-256-gcm", kek, nonce);
  cipher.setAAD(Buffer.from(context, "utf8"));
  return Buffer.concat([nonce, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
}

describe("SealedBox", () => {
  it("opens what it sealed, with the same context only", () => {
    const box = new SealedBox({ current: kekA }, "ISSUER_KEK");
    const sealed = box.seal("LK-SECRET", "license key lic_1");
    expect(box.open(sealed, "license key lic_1").toString()).toBe("LK-SECRET");
    expect(sealed.includes(Buffer.from("LK-SECRET"))).toBe(false);
    expect(() => box.open(sealed, "license key lic_2")).toThrow(SealedBoxError);
  });

  it("uses a fresh nonce for every value", () => {
    const box = new SealedBox({ current: kekA }, "ISSUER_KEK");
    expect(box.seal("same", "c").equals(box.seal("same", "c"))).toBe(false);
  });

  it("refuses a value with any byte altered", () => {
    const box = new SealedBox({ current: kekA }, "ISSUER_KEK");
    const sealed = box.seal("LK-SECRET", "ctx");
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i]! ^= 0x01;
      expect(() => box.open(tampered, "ctx"), `byte ${i}`).toThrow(SealedBoxError);
    }
  });

  it("records the KEK's id in every value, and tells whether it is the current one", () => {
    const sealed = new SealedBox({ current: kekA }, "ISSUER_KEK").seal("x", "c");
    expect(sealed.subarray(3, 7).toString("hex")).toBe(kekId(kekA));
    const rotated = new SealedBox({ current: kekB, previous: [kekA] }, "ISSUER_KEK");
    expect(rotated.isCurrent(sealed)).toBe(false);
    expect(rotated.open(sealed, "c").toString()).toBe("x");
    expect(rotated.isCurrent(rotated.seal("x", "c"))).toBe(true);
  });

  it("opens a value written before key ids, under the current or a previous KEK", () => {
    const legacy = legacySeal(kekA, "old secret", "notifier SMTP password");
    expect(
      new SealedBox({ current: kekA }, "NOTIFIER_KEK").open(legacy, "notifier SMTP password").toString(),
    ).toBe("old secret");
    const rotated = new SealedBox({ current: kekB, previous: [kekA] }, "NOTIFIER_KEK");
    expect(rotated.open(legacy, "notifier SMTP password").toString()).toBe("old secret");
    expect(rotated.isCurrent(legacy)).toBe(false);
  });

  it("opens a legacy value whose random nonce happens to look like a header", () => {
    // The nonce starts with the magic and the current KEK's id: authentication decides.
    const nonce = Buffer.concat([
      Buffer.from("sb1", "latin1"),
      Buffer.from(kekId(kekA), "hex"),
      randomBytes(5),
    ]);
    const legacy = legacySeal(kekA, "ambiguous", "ctx", nonce);
    expect(new SealedBox({ current: kekA }, "ISSUER_KEK").open(legacy, "ctx").toString()).toBe("ambiguous");
  });

  it("names the variable and the key id when the value's KEK is not in the keyring", () => {
    const sealed = new SealedBox({ current: kekA }, "ISSUER_KEK").seal("x", "license key lic_1");
    const box = new SealedBox({ current: kekB }, "ISSUER_KEK");
    expect(() => box.open(sealed, "license key lic_1")).toThrow(
      `Cannot decrypt license key lic_1: it is sealed under KEK ${kekId(kekA)}, which is neither ISSUER_KEK nor in ISSUER_KEK_PREVIOUS`,
    );
    expect(() => box.open(legacySeal(kekA, "x", "c"), "c")).toThrow(
      /no KEK of ISSUER_KEK or ISSUER_KEK_PREVIOUS opens it/,
    );
  });

  it("refuses a KEK that is not 32 bytes, naming its variable", () => {
    expect(() => new SealedBox({ current: kekA, previous: [randomBytes(16)] }, "NOTIFIER_KEK")).toThrow(
      "NOTIFIER_KEK_PREVIOUS: a key-encryption key must be 32 bytes",
    );
  });
});
