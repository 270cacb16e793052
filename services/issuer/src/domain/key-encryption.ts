import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import { randomBytes } from "@licensing/model";

/**
 * Encrypts what the issuer must keep secret at rest (signing keys, license keys) under the
 * key-encryption key from its configuration: AES-256-GCM, a random 96-bit nonce per value, and
 * the value's context (e.g. its key id) as associated data, so a ciphertext cannot be moved to
 * another row. Stored as nonce ‖ ciphertext ‖ tag.
 */
export class KeyEncryption {
  readonly #kek: KeyObject;

  constructor(kek: Buffer) {
    if (kek.length !== 32) throw new Error("The key-encryption key must be 32 bytes");
    this.#kek = createSecretKey(kek);
  }

  seal(plaintext: Uint8Array, context: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#kek, nonce);
    cipher.setAAD(Buffer.from(context, "utf8"));
    return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  open(sealed: Uint8Array, context: string): Buffer {
    const data = Buffer.from(sealed);
    const decipher = createDecipheriv("aes-256-gcm", this.#kek, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - 16));
    try {
      return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    } catch {
      throw new Error(`Cannot decrypt ${context}: ISSUER_KEK is not the key it was stored under`);
    }
  }
}
