import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Seals the secrets the notifier keeps (the SMTP password) under NOTIFIER_KEK: AES-256-GCM with a
 * fresh 96-bit nonce per value and the value's purpose as associated data, stored as
 * nonce ‖ ciphertext ‖ tag. A copy of the database without the key reveals nothing.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("NOTIFIER_KEK must be 32 bytes");
    this.#key = key;
  }

  seal(secret: string, purpose: string): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  open(sealed: Uint8Array, purpose: string): string {
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(-16));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]).toString("utf8");
    } catch {
      throw new Error(`Cannot decrypt the ${purpose}: NOTIFIER_KEK is not the key it was stored under`);
    }
  }
}
