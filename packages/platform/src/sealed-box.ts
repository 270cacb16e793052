import { createCipheriv, createDecipheriv, createHash, createSecretKey, type KeyObject } from "node:crypto";
import { randomBytes } from "@licensing/model";

/** The key-encryption keys of one service: the current one seals, every one opens. */
export interface Keyring {
  current: Buffer;
  /** KEKs an earlier configuration sealed under, kept for reading until the rotation command ran. */
  previous?: readonly Buffer[];
}

/** A sealed value that no KEK of the keyring opens; the message names the variable and the key id. */
export class SealedBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealedBoxError";
  }
}

// A sealed value is MAGIC ‖ key id ‖ nonce ‖ ciphertext ‖ tag. Values written before key ids
// (nonce ‖ ciphertext ‖ tag) have no header; a legacy value whose random nonce happens to begin
// with MAGIC and a known key id is told apart by AES-GCM's authentication, which fails for the
// wrong reading.
const MAGIC = Buffer.from("sb1", "latin1");
const KEY_ID_LENGTH = 4;
const HEADER_LENGTH = MAGIC.length + KEY_ID_LENGTH;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

/**
 * The id of a KEK as a sealed value carries it: the first 4 bytes of its SHA-256, in hex. Operators
 * never name keys; `base64 -d <kek-file | sha256sum | cut -c1-8` shows the id of a KEK.
 */
export function kekId(kek: Buffer): string {
  return createHash("sha256").update(kek).digest().subarray(0, KEY_ID_LENGTH).toString("hex");
}

interface Kek {
  id: string;
  key: KeyObject;
}

/**
 * Encrypts what a service keeps secret at rest (signing keys, license keys, the SMTP password):
 * AES-256-GCM, a fresh 96-bit nonce per value, and the value's context (e.g. `license key lic_…`)
 * as associated data, so a ciphertext cannot be moved to another row. Every value records the id
 * of the KEK it was sealed under, so the KEK can be rotated: the current KEK seals, the previous
 * ones still open until the rotation command has resealed their values.
 */
export class SealedBox {
  readonly #current: Kek;
  readonly #keks: Kek[];
  readonly #variable: string;

  /** `variable` is the setting the KEK comes from (`ISSUER_KEK`): errors name it. */
  constructor(keyring: Keyring, variable: string) {
    this.#variable = variable;
    this.#keks = [keyring.current, ...(keyring.previous ?? [])].map((kek, index) => {
      if (kek.length !== 32) {
        const name = index === 0 ? variable : `${variable}_PREVIOUS`;
        throw new SealedBoxError(`${name}: a key-encryption key must be 32 bytes`);
      }
      return { id: kekId(kek), key: createSecretKey(kek) };
    });
    this.#current = this.#keks[0]!;
  }

  seal(plaintext: Uint8Array | string, context: string): Buffer {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv("aes-256-gcm", this.#current.key, nonce);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from(this.#current.id, "hex"), nonce, body, cipher.getAuthTag()]);
  }

  open(sealed: Uint8Array, context: string): Buffer {
    const data = Buffer.from(sealed);
    const id = headerKeyId(data);
    const named = id === undefined ? undefined : this.#keks.find((kek) => kek.id === id);
    if (named) {
      const plaintext = decrypt(named.key, data.subarray(HEADER_LENGTH), context);
      if (plaintext) return plaintext;
    }
    for (const kek of this.#keks) {
      const plaintext = decrypt(kek.key, data, context);
      if (plaintext) return plaintext;
    }
    if (id !== undefined && !named) {
      throw new SealedBoxError(
        `Cannot decrypt ${context}: it is sealed under KEK ${id}, which is neither ${this.#variable} nor in ${this.#variable}_PREVIOUS`,
      );
    }
    throw new SealedBoxError(
      `Cannot decrypt ${context}: no KEK of ${this.#variable} or ${this.#variable}_PREVIOUS opens it (sealed under another key, or altered)`,
    );
  }

  /** Whether `sealed` carries the current KEK's id: the rotation command leaves it as it is. */
  isCurrent(sealed: Uint8Array): boolean {
    return headerKeyId(Buffer.from(sealed)) === this.#current.id;
  }

  /** The current KEK's id, as sealed values carry it. */
  get currentKeyId(): string {
    return this.#current.id;
  }
}

function headerKeyId(data: Buffer): string | undefined {
  if (data.length < HEADER_LENGTH + NONCE_LENGTH + TAG_LENGTH) return undefined;
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return data.subarray(MAGIC.length, HEADER_LENGTH).toString("hex");
}

/** nonce ‖ ciphertext ‖ tag opened under `key`, or undefined when authentication fails. */
function decrypt(key: KeyObject, data: Buffer, context: string): Buffer | undefined {
  if (data.length < NONCE_LENGTH + TAG_LENGTH) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", key, data.subarray(0, NONCE_LENGTH));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  try {
    return Buffer.concat([
      decipher.update(data.subarray(NONCE_LENGTH, data.length - TAG_LENGTH)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
}
