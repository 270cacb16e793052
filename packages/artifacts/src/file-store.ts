import { createReadStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { FileStore } from "@tus/file-store";
import { completedSize, digestOf, putThroughUploads, requireCompleted } from "./completed.ts";
import {
  type ArtifactStore,
  type ByteRange,
  type Digest,
  isArtifactKey,
  type StoredUpload,
} from "./store.ts";

/**
 * Artifacts as files in one directory (`npm start`: `.data/artifacts`): `<key>` holds the bytes and
 * `<key>.json` what tus keeps of the upload. Several replicas share it only on a shared volume.
 */
export class FileArtifactStore implements ArtifactStore {
  readonly uploads: FileStore;
  readonly #directory: string;

  private constructor(directory: string) {
    this.#directory = directory;
    this.uploads = new FileStore({ directory });
  }

  static async open(directory: string): Promise<FileArtifactStore> {
    const absolute = resolve(directory);
    await mkdir(absolute, { recursive: true });
    return new FileArtifactStore(absolute);
  }

  put(bytes: Readable, size: number): Promise<string> {
    return putThroughUploads(this.uploads, bytes, size);
  }

  size(key: string): Promise<number | undefined> {
    return completedSize(this.uploads, key);
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    await requireCompleted(this.uploads, key);
    return createReadStream(join(this.#directory, key), range ?? {});
  }

  async digest(key: string): Promise<Digest> {
    const size = await requireCompleted(this.uploads, key);
    return digestOf(createReadStream(join(this.#directory, key)), size, key);
  }

  async *list(): AsyncIterable<StoredUpload> {
    for (const name of await readdir(this.#directory)) {
      // `<key>` holds the bytes (`<key>.json` beside it what tus keeps of the upload).
      if (!isArtifactKey(name)) continue;
      const changed = await stat(join(this.#directory, name)).catch(() => undefined);
      if (!changed?.isFile()) continue;
      const completed = await completedSize(this.uploads, name).catch(() => undefined);
      yield { key: name, completed: completed !== undefined, changedAt: changed.mtime };
    }
  }

  async remove(key: string): Promise<void> {
    if ((await completedSize(this.uploads, key)) === undefined) {
      // An upload that never completed is removed too, if it exists at all.
      try {
        await this.uploads.getUpload(key);
      } catch {
        return;
      }
    }
    await this.uploads.remove(key);
  }
}
