// Bodies larger than a NATS message. NATS refuses messages over the server's `max_payload` (1 MiB by
// default, and we never raise it); a larger body travels by reference instead: it is stored in a
// JetStream object store bucket (chunked, checksummed) and the message carries only its name in the
// `Lic-Body-Ref` header. Readers resolve the reference, so requests, answers and events of any size
// up to MAX_BODY_BYTES look the same to the code on both sides.
import { createHash, randomUUID } from "node:crypto";
import { AppError, formatBytes } from "@licensing/contracts";
import type { MsgHdrs, NatsConnection } from "@nats-io/nats-core";
import { type ObjectStore, Objm, StorageType, setSha256Backend } from "@nats-io/obj";
import { nanos } from "@nats-io/transport-node";
import { streamReplicas } from "./replicas.ts";

/** Header naming the object that holds a message's body; the message's own data is then empty. */
export const bodyRefHeader = "Lic-Body-Ref";
/** Header giving the size in bytes of a body sent by reference, so a reader can refuse it unread. */
export const bodySizeHeader = "Lic-Body-Size";

/** The largest body the bus carries, by reference (64 MiB). Larger is `payload_too_large`. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Room left in a message for headers (request context, references) beside an inline body. */
const HEADER_ROOM = 64 * 1024;
/** Chunks as large as a message allows with that room: each chunk is one JetStream round trip. */
const CHUNK_BYTES = 1024 * 1024 - HEADER_ROOM;

// The object store checksums every object (SHA-256) on put and on get; its default pure-JS hash runs
// at ~40 MB/s, five times slower than the rest of a put. This code runs in Node only: use its crypto.
setSha256Backend("native");

/**
 * The buckets bodies go to, by what they carry. Each lives as long as what refers to it: request and
 * reply bodies are read once within seconds (and deleted by their reader); event bodies as long as
 * the event stream keeps events; license-file bodies as long as the hand-off stream keeps its last
 * message per license (for good); dead letters' bodies until the dead letter is replayed or discarded
 * (their own copy: the event's expires with the event stream).
 */
export const bodyBuckets = {
  messages: { suffix: "BODIES", ttlMs: 3_600_000 },
  events: { suffix: "EVENT_BODIES", ttlMs: 30 * 24 * 3_600_000 },
  licenseFiles: { suffix: "LICENSE_FILE_BODIES", ttlMs: 0 },
  deadLetters: { suffix: "DEAD_LETTER_BODIES", ttlMs: 0 },
} as const;
export type BodyBucket = keyof typeof bodyBuckets;

/** The object store bucket of a deployment for one use, e.g. `LIC_EVENT_BODIES` for prefix `lic`. */
export function bodyBucketName(prefix: string, bucket: BodyBucket): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_${bodyBuckets[bucket].suffix}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A body ready to send: inline data, or empty data and headers naming the stored object. */
export interface OutgoingBody {
  data: Uint8Array;
  /** Set when the body went by reference: the object's name. */
  ref?: string;
  /** Sets the reference headers (when there is one) on the message's headers. */
  annotate(headers: MsgHdrs): MsgHdrs;
}

/**
 * Bodies of one deployment in one bucket, over one NATS connection. The bucket is created on first
 * use (every service may do it; the settings are the same).
 */
export class BodyStore {
  readonly #nc: NatsConnection;
  readonly #bucket: string;
  readonly #ttlMs: number;
  #store: Promise<ObjectStore> | undefined;

  constructor(nc: NatsConnection, prefix: string, bucket: BodyBucket) {
    this.#nc = nc;
    this.#bucket = bodyBucketName(prefix, bucket);
    this.#ttlMs = bodyBuckets[bucket].ttlMs;
  }

  /** The largest body sent inline: the server's message limit less room for headers. */
  get inlineLimit(): number {
    return (this.#nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
  }

  /**
   * Encodes `value` as JSON and makes it ready to send: inline when it fits in a message, else stored
   * under `name` (a fresh one by default). Over MAX_BODY_BYTES it is `payload_too_large`, unsent.
   */
  async put(value: unknown, what: string, name?: string): Promise<OutgoingBody> {
    return this.putBytes(encoder.encode(JSON.stringify(value ?? null)), what, name);
  }

  async putBytes(data: Uint8Array, what: string, name?: string): Promise<OutgoingBody> {
    if (data.length > MAX_BODY_BYTES) throw tooLarge(what, data.length);
    if (data.length <= this.inlineLimit) return { data, annotate: (h) => h };
    const ref = name ?? randomUUID();
    const store = await this.#open();
    // A named body is stored once. Storing it again (a relay that died before deleting its outbox row
    // publishes the event again) would replace the object and purge the chunks a reader of the first
    // copy is waiting for, and that reader would wait for ever.
    if (name === undefined || !(await storedAlready(store, name, data)))
      await store.putBlob(
        { name: ref, options: { max_chunk_size: Math.min(CHUNK_BYTES, this.inlineLimit) } },
        data,
      );
    return {
      data: new Uint8Array(0),
      ref,
      annotate(headers) {
        headers.set(bodyRefHeader, ref);
        headers.set(bodySizeHeader, String(data.length));
        return headers;
      },
    };
  }

  /** Removes a stored body that nobody will read (best effort: the bucket's TTL is the backstop). */
  async discard(ref: string | undefined): Promise<void> {
    if (ref === undefined) return;
    try {
      await (await this.#open()).delete(ref);
    } catch {
      // expired or never stored: nothing to remove
    }
  }

  /**
   * The bytes of a received message's body: its data, or the stored object it names. `consume`
   * deletes the object once read (request and reply bodies are read exactly once).
   */
  async read(
    message: { data: Uint8Array; headers?: MsgHdrs | undefined },
    what: string,
    options: { consume: boolean },
  ): Promise<Uint8Array> {
    const ref = message.headers?.get(bodyRefHeader);
    if (!ref) return message.data;
    const declared = Number(message.headers?.get(bodySizeHeader));
    if (declared > MAX_BODY_BYTES) throw tooLarge(what, declared);
    const store = await this.#open();
    const data = await store.getBlob(ref);
    if (data === null) throw new BodyGone(what, ref);
    if (options.consume) void store.delete(ref).catch(() => {});
    return data;
  }

  /** The JSON value of a received message's body (see `read`). */
  async readJson(
    message: { data: Uint8Array; headers?: MsgHdrs | undefined },
    what: string,
    options: { consume: boolean },
  ): Promise<unknown> {
    const bytes = await this.read(message, what, options);
    return bytes.length === 0 ? undefined : JSON.parse(decoder.decode(bytes));
  }

  #open(): Promise<ObjectStore> {
    this.#store ??= new Objm(this.#nc)
      .create(this.#bucket, {
        storage: StorageType.File,
        replicas: streamReplicas(this.#nc),
        ...(this.#ttlMs > 0 ? { ttl: nanos(this.#ttlMs) } : {}),
      })
      .catch((error: unknown) => {
        this.#store = undefined;
        throw new AppError(
          "service_unavailable",
          `Large bodies cannot be stored (object store ${this.#bucket}): ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    return this.#store;
  }
}

/** Whether `name` already holds these very bytes, whole (the object store writes its digest last). */
async function storedAlready(store: ObjectStore, name: string, data: Uint8Array): Promise<boolean> {
  const info = await store.info(name);
  if (info === null || info.deleted || info.size !== data.length) return false;
  // The store's digest: SHA-256 in base64url, padded.
  const digest = createHash("sha256").update(data).digest("base64").replaceAll("+", "-").replaceAll("/", "_");
  return info.digest === `SHA-256=${digest}`;
}

/** A body sent by reference that is no longer stored (expired, or its reader already took it). */
export class BodyGone extends AppError {
  constructor(what: string, ref: string) {
    super(
      "service_unavailable",
      `The ${what} was sent by reference (${ref}) but is no longer stored; send it again`,
    );
  }
}

/** Whether a message's body went by reference. */
export function isByReference(headers: MsgHdrs | undefined): boolean {
  return Boolean(headers?.get(bodyRefHeader));
}

function tooLarge(what: string, bytes: number): AppError {
  return new AppError(
    "payload_too_large",
    `The ${what} is ${formatBytes(bytes)}; the message bus carries at most ${formatBytes(MAX_BODY_BYTES)}`,
    { limitBytes: MAX_BODY_BYTES, sizeBytes: bytes },
  );
}
