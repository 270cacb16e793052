import type { Readable } from "node:stream";
import { GetObjectCommand, paginateListObjectsV2, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { S3Store } from "@tus/s3-store";
import { completedSize, digestOf, putThroughUploads, requireCompleted } from "./completed.ts";
import {
  type ArtifactStore,
  type ByteRange,
  checkArtifactKey,
  type Digest,
  isArtifactKey,
  type StoredUpload,
} from "./store.ts";

/**
 * Artifacts in an S3-compatible bucket (production): tus uploads become multipart uploads, each
 * completed object is read back with ranged GETs. Credentials come from the AWS SDK's usual chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a web identity, an instance role). Not exercised by
 * the tests of this repository, which have no object storage to talk to (docs/operations.md).
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly uploads: S3Store;
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: { bucket: string; client: S3ClientConfig }) {
    this.#bucket = options.bucket;
    this.#client = new S3Client(options.client);
    this.uploads = new S3Store({ s3ClientConfig: { ...options.client, bucket: options.bucket } });
  }

  put(bytes: Readable, size: number): Promise<string> {
    return putThroughUploads(this.uploads, bytes, size);
  }

  size(key: string): Promise<number | undefined> {
    return completedSize(this.uploads, key);
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    await requireCompleted(this.uploads, key);
    return this.#get(key, range);
  }

  async digest(key: string): Promise<Digest> {
    const size = await requireCompleted(this.uploads, key);
    return digestOf(await this.#get(key), size, key);
  }

  async *list(): AsyncIterable<StoredUpload> {
    // Each upload has its `<key>.info` object (what tus keeps of it), written when the upload begins
    // and when it completes: an unfinished upload's `changedAt` is when it began.
    for await (const page of paginateListObjectsV2({ client: this.#client }, { Bucket: this.#bucket })) {
      for (const object of page.Contents ?? []) {
        const key = object.Key?.endsWith(".info") ? object.Key.slice(0, -".info".length) : undefined;
        if (!key || !isArtifactKey(key)) continue;
        const completed = await completedSize(this.uploads, key).catch(() => undefined);
        yield { key, completed: completed !== undefined, changedAt: object.LastModified ?? new Date(0) };
      }
    }
  }

  async remove(key: string): Promise<void> {
    checkArtifactKey(key);
    await this.uploads.remove(key);
  }

  async #get(key: string, range?: ByteRange): Promise<Readable> {
    const answer = await this.#client.send(
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
    );
    return answer.Body as Readable;
  }
}
