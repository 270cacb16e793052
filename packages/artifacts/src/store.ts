import type { Readable } from "node:stream";
import type { DataStore } from "@tus/utils";

/** Bytes `start` to `end` of an object, both inclusive, as an HTTP Range names them. */
export interface ByteRange {
  start: number;
  end: number;
}

/** An object's exact size and the SHA-256 of its bytes (64 lower-case hex digits). */
export interface Digest {
  size: number;
  sha256: string;
}

/** One upload the store holds, whether or not its last byte came. */
export interface StoredUpload {
  key: string;
  completed: boolean;
  /** When its bytes last changed: its last chunk (files), or when it began or completed (S3). */
  changedAt: Date;
}

/**
 * Where release artifacts are kept (issue 18): written by resumable uploads (the tus protocol, whose
 * server takes `uploads` as its data store), read back whole or by byte range, hashed once when an
 * upload completes. One interface over the local filesystem (`npm start`) and S3-compatible object
 * storage (production): the bytes never travel over NATS, only their key.
 *
 * A key is the upload's id (`isArtifactKey`); an object whose upload has not completed is not
 * there for `size`, `read` and `digest`.
 */
export interface ArtifactStore {
  /** The data store a tus server writes uploads into: the same place artifacts are read from. */
  readonly uploads: DataStore;
  /** Stores `size` bytes under a new key in one go (tools and tests; people upload with tus). */
  put(bytes: Readable, size: number): Promise<string>;
  /** The size in bytes of the completed object `key`, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** The bytes of the completed object `key`: all of them, or `range`. Throws ArtifactNotFound. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** The size and SHA-256 of the completed object `key`, reading it once. Throws ArtifactNotFound. */
  digest(key: string): Promise<Digest>;
  /** Every upload held, completed or not, in no particular order (the sweep of abandoned ones). */
  list(): AsyncIterable<StoredUpload>;
  /** Removes the object `key` (and what its upload kept beside it); nothing when there is none. */
  remove(key: string): Promise<void>;
}

/** No completed object under the key. */
export class ArtifactNotFound extends Error {
  readonly key: string;

  constructor(key: string) {
    super(`No completed artifact is stored under ${key}`);
    this.name = "ArtifactNotFound";
    this.key = key;
  }
}

/** An artifact's key: an upload id, never a path (no dot, slash or anything a file system reads). */
export function isArtifactKey(key: unknown): key is string {
  return typeof key === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(key);
}

export function checkArtifactKey(key: unknown): string {
  if (!isArtifactKey(key)) throw new Error(`${JSON.stringify(key)} is not an artifact key`);
  return key;
}
