// Which request may write a release upload now, whichever gateway replica it reached: tus's lock
// (`Locker`), kept in a NATS JetStream key-value bucket every replica shares, so two PATCHes of one
// upload never both append at the same offset.
import { streamReplicas } from "@licensing/bus";
import { streamNames } from "@licensing/contracts";
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { Empty, type Msg, type NatsConnection, nanos, type Subscription } from "@nats-io/nats-core";
import type { Lock, Locker, RequestRelease } from "@tus/utils";

export interface UploadLocksOptions {
  nc: NatsConnection;
  /** The deployment's subject prefix: its bucket is `<PREFIX>_UPLOAD_LOCKS`, its asks `<prefix>.upload-locks.<id>`. */
  prefix: string;
  /** A lock its holder stops renewing (it crashed, or lost the bus) lapses after this long. */
  ttlMs: number;
}

/**
 * An upload's lock is its key in the bucket: `create` takes it (and fails while another holds it),
 * the holder renews it (an update on its own revision) every third of the TTL, and the bucket's max
 * age drops a key not renewed within the TTL: a crashed holder's lock lapses. (Per-key TTLs need
 * nats-server 2.11; the bucket's max age works on 2.9.) Unlocking deletes the key on the holder's
 * revision, so a holder whose lock lapsed never removes its successor's.
 *
 * A request that finds the upload locked asks the holder, on `<prefix>.upload-locks.<id>`, to let
 * go: the holder passes that on to tus (`requestRelease`, which stops its request after tus's lock
 * drain time) and answers once it has unlocked; the asker then tries again. A holder that answers
 * nothing is gone, and its lock lapses within the TTL. The ask is between replicas of the gateway,
 * with no body: it is no endpoint of the contracts.
 */
export class UploadLocks implements Locker {
  readonly nc: NatsConnection;
  readonly prefix: string;
  readonly ttlMs: number;
  /** How long a request waits for a lock: a holder asked lets go within tus's drain time (3 s), a vanished one lapses within the TTL. */
  readonly waitMs: number;
  /** How often a request that got no answer tries again. */
  readonly retryMs: number;
  #bucket: Promise<KV> | undefined;

  constructor(options: UploadLocksOptions) {
    this.nc = options.nc;
    this.prefix = options.prefix;
    this.ttlMs = options.ttlMs;
    this.waitMs = options.ttlMs + 5_000;
    this.retryMs = Math.min(250, options.ttlMs / 4);
  }

  newLock(id: string): Lock {
    return new UploadLock(this, id);
  }

  subjectOf(id: string): string {
    return `${this.prefix}.upload-locks.${id}`;
  }

  /** The bucket, brought up at first use (an earlier start may have made it with another TTL). */
  bucket(): Promise<KV> {
    this.#bucket ??= this.#open().catch((error: unknown) => {
      this.#bucket = undefined;
      throw error;
    });
    return this.#bucket;
  }

  async #open(): Promise<KV> {
    const name = streamNames(this.prefix).uploadLocks;
    const kv = await new Kvm(this.nc).create(name, {
      history: 1,
      ttl: this.ttlMs,
      replicas: streamReplicas(this.nc),
    });
    const status = await kv.status();
    if (status.ttl !== this.ttlMs) {
      const jsm = await jetstreamManager(this.nc);
      const { config } = await jsm.streams.info(status.streamInfo.config.name);
      await jsm.streams.update(config.name, {
        ...config,
        max_age: nanos(this.ttlMs),
        duplicate_window: nanos(Math.min(this.ttlMs, 120_000)),
      });
    }
    return kv;
  }
}

/** The refusal a request gets when the lock stays taken past the wait (the platform's 409 `conflict`). */
export const uploadLockedRefusal = {
  status_code: 409,
  body: "Another request is writing this upload: ask its offset (HEAD) and resume from there",
};

/** The refusal a request gets when the locks' bucket cannot be reached (503 `service_unavailable`). */
export const uploadLockUnreachable = {
  status_code: 503,
  body: "The upload's lock cannot be reached (the bus is away): try again in a moment",
};

class UploadLock implements Lock {
  readonly #locks: UploadLocks;
  readonly #id: string;
  /** The revision of the key this lock holds; 0 while it holds nothing. */
  #revision = 0;
  #renewal: NodeJS.Timeout | undefined;
  #renewing: Promise<void> = Promise.resolve();
  #asks: Subscription | undefined;
  /** Asks to let go, answered once unlocked. */
  #askers: Msg[] = [];

  constructor(locks: UploadLocks, id: string) {
    this.#locks = locks;
    this.#id = id;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    // A bus that cannot be reached is the client's to retry (503), not an internal failure.
    const kv = await this.#locks.bucket().catch((cause: unknown) => {
      throw { ...uploadLockUnreachable, cause };
    });
    const deadline = Date.now() + this.#locks.waitMs;
    for (;;) {
      if (signal.aborted || Date.now() >= deadline) throw uploadLockedRefusal;
      const revision = await kv.create(this.#id, Empty).catch((error: unknown) => {
        if (isTaken(error)) return 0;
        throw { ...uploadLockUnreachable, cause: error };
      });
      if (revision > 0) return this.#hold(kv, revision, requestRelease);
      await untilAborted(this.#askHolder(deadline), signal);
    }
  }

  async unlock(): Promise<void> {
    clearInterval(this.#renewal);
    await this.#renewing;
    this.#asks?.unsubscribe();
    this.#asks = undefined;
    const revision = this.#revision;
    this.#revision = 0;
    if (revision > 0) {
      const kv = await this.#locks.bucket();
      // Refused when the lock lapsed and another holds it now (theirs stays); and if the bus is
      // down, the lock lapses by the TTL: either way the upload's request is done.
      await kv.delete(this.#id, { previousSeq: revision }).catch(() => {});
    }
    for (const asker of this.#askers.splice(0)) asker.respond(Empty);
  }

  #hold(kv: KV, revision: number, requestRelease: RequestRelease): void {
    this.#revision = revision;
    this.#asks = this.#locks.nc.subscribe(this.#locks.subjectOf(this.#id), {
      callback: (error, asker) => {
        if (error) return;
        this.#askers.push(asker);
        void requestRelease();
      },
    });
    const renew = async () => {
      if (this.#revision === 0) return;
      // This replica is shutting down: its lock lapses.
      if (this.#locks.nc.isClosed()) return clearInterval(this.#renewal);
      try {
        this.#revision = await kv.update(this.#id, Empty, this.#revision);
      } catch (error) {
        // Another request holds it now (this one stalled past the TTL): stop writing at once.
        if (isTaken(error)) {
          this.#revision = 0;
          clearInterval(this.#renewal);
          void requestRelease();
        }
        // Else the bus is away for a moment: the next renewal tries again, within the TTL.
      }
    };
    this.#renewal = setInterval(() => {
      this.#renewing = this.#renewing.then(renew);
    }, this.#locks.ttlMs / 3);
    this.#renewal.unref();
  }

  /** Asks the holder to let go, and resolves once it did, or after a while when no one answers. */
  async #askHolder(deadline: number): Promise<void> {
    const timeout = Math.max(1, Math.min(deadline - Date.now(), this.#locks.ttlMs));
    try {
      await this.#locks.nc.request(this.#locks.subjectOf(this.#id), Empty, { timeout });
    } catch {
      // No one answers: the holder is gone (its lock lapses) or has not subscribed yet.
      await new Promise((resolve) => setTimeout(resolve, this.#locks.retryMs));
    }
  }
}

/** The key is there (a create), or was renewed or taken by another (an update). */
function isTaken(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** `work`, or less of it: resolves as soon as `signal` aborts. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    work.then(done, (error: unknown) => {
      signal.removeEventListener("abort", done);
      reject(error);
    });
  });
}
