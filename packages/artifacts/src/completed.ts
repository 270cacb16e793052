import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { type DataStore, Upload } from "@tus/utils";
import { ArtifactNotFound, checkArtifactKey, type Digest } from "./store.ts";

/**
 * The size of upload `key` once complete (every declared byte received), else undefined: what both
 * stores answer, from what the tus data store keeps of each upload.
 */
export async function completedSize(uploads: DataStore, key: string): Promise<number | undefined> {
  checkArtifactKey(key);
  try {
    const upload = await uploads.getUpload(key);
    return upload.size !== undefined && upload.offset === upload.size ? upload.size : undefined;
  } catch (error) {
    // The tus stores throw `{ status_code: 404 }` (ERRORS.FILE_NOT_FOUND) for an unknown id.
    if ((error as { status_code?: number }).status_code === 404) return undefined;
    throw error;
  }
}

export async function requireCompleted(uploads: DataStore, key: string): Promise<number> {
  const size = await completedSize(uploads, key);
  if (size === undefined) throw new ArtifactNotFound(key);
  return size;
}

/** Stores `size` bytes as one completed upload of a new key, through the tus data store itself. */
export async function putThroughUploads(uploads: DataStore, bytes: Readable, size: number): Promise<string> {
  const key = randomBytes(16).toString("hex");
  await uploads.create(new Upload({ id: key, size, offset: 0 }));
  const written = await uploads.write(bytes, key, 0);
  if (written !== size) {
    await uploads.remove(key);
    throw new Error(`${written} bytes came where ${size} were announced`);
  }
  return key;
}

/** Reads `bytes` to its end: its size and SHA-256, checked against the size the store declared. */
export async function digestOf(bytes: Readable, declaredSize: number, key: string): Promise<Digest> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  if (size !== declaredSize)
    throw new Error(`Artifact ${key} holds ${size} bytes where its upload declared ${declaredSize}`);
  return { size, sha256: hash.digest("hex") };
}
