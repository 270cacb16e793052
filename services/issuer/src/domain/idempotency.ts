import { createHash } from "node:crypto";
import { AppError } from "@licensing/contracts";
import { canonicalize } from "@licensing/model";
import type { EntityManager, SealedBox } from "@licensing/platform";
import { IdempotencyKeyEntity } from "./entities.ts";

export interface IdempotentRequest {
  scope: string;
  key: string;
  /** Hash of the request without its key: the same key with another request is a mistake. */
  requestHash: string;
}

export function idempotentRequest(
  scope: string,
  key: string | undefined,
  request: object,
): IdempotentRequest | null {
  if (key === undefined) return null;
  const { idempotencyKey: _, ...rest } = request as { idempotencyKey?: string };
  return { scope, key, requestHash: createHash("sha256").update(canonicalize(rest)).digest("hex") };
}

/**
 * Stored answers of requests made with an idempotency key. Answers can hold license keys, so they
 * are kept encrypted under the KEK, like the keys themselves.
 */
export class IdempotencyStore {
  readonly #encryption: SealedBox;

  constructor(encryption: SealedBox) {
    this.#encryption = encryption;
  }

  /** The answer already given to this request, if any (a committed one). */
  async find<T>(em: EntityManager, request: IdempotentRequest): Promise<T | undefined> {
    const row = await em.findOne(IdempotencyKeyEntity, { scope: request.scope, key: request.key });
    return row ? this.#answer<T>(row, request) : undefined;
  }

  /**
   * Claims the key inside the caller's transaction and returns undefined, or returns the answer of
   * the request that claimed it first. A twin still in flight holds the row: the insert waits for
   * it to commit and then finds its answer.
   */
  async claim<T>(em: EntityManager, request: IdempotentRequest, answer: T): Promise<T | undefined> {
    const sealed = this.#seal(request, answer);
    const claimed = await em
      .createQueryBuilder(IdempotencyKeyEntity)
      .insert({
        scope: request.scope,
        key: request.key,
        requestHash: request.requestHash,
        response: sealed,
        createdAt: new Date(),
      })
      .onConflict(["scope", "key"])
      .ignore()
      .execute("run");
    if (claimed.affectedRows > 0) return undefined;
    const row = await em.findOneOrFail(
      IdempotencyKeyEntity,
      { scope: request.scope, key: request.key },
      { refresh: true },
    );
    return this.#answer<T>(row, request);
  }

  /** Forgets keys older than `maxAgeMs`: a retry comes within minutes, not days. */
  async prune(em: EntityManager, maxAgeMs: number): Promise<number> {
    return em.nativeDelete(IdempotencyKeyEntity, { createdAt: { $lt: new Date(Date.now() - maxAgeMs) } });
  }

  #seal(request: IdempotentRequest, answer: unknown): { sealed: string } {
    return {
      sealed: this.#encryption.seal(Buffer.from(JSON.stringify(answer)), context(request)).toString("base64"),
    };
  }

  #answer<T>(row: { requestHash: string; response: unknown }, request: IdempotentRequest): T {
    if (row.requestHash !== request.requestHash) {
      throw new AppError(
        "conflict",
        "This idempotency key was already used for a different request; use a new key for a new request",
      );
    }
    const { sealed } = row.response as { sealed: string };
    return JSON.parse(
      this.#encryption.open(Buffer.from(sealed, "base64"), context(request)).toString("utf8"),
    ) as T;
  }
}

function context(request: IdempotentRequest): string {
  return `idempotency ${request.scope} ${request.key}`;
}
