import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { WindowCounts } from "./window-counts.ts";

/** A rate limit asked of the shared store that it does not implement; thrown when the limit is set up. */
export class RateLimitStoreError extends Error {
  override readonly name = "RateLimitStoreError";
}

/** What the plugin passes a store: its options merged with the limit's (typed loosely by the plugin). */
interface LimitOptions {
  timeWindow?: unknown;
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
}

type Answer = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store over `counts`: fixed windows of `counts.windowMs`, the same for every
 * limit of the plugin (their keys say which limit they count: `ip:`, `fp:`, `key:`). It answers at
 * once from memory; `RateLimitGossip` adds the other replicas' counts in the background.
 */
export function sharedWindowStore(counts: WindowCounts): FastifyRateLimitStoreCtor {
  class SharedWindowStore implements FastifyRateLimitStore {
    constructor(given: object) {
      const options = given as LimitOptions;
      if (options.timeWindow !== counts.windowMs)
        throw new RateLimitStoreError(
          `Shared rate limits count in windows of ${counts.windowMs} ms; a limit asked for ${String(options.timeWindow)}`,
        );
      if (options.continueExceeding || options.exponentialBackoff)
        throw new RateLimitStoreError(
          "Shared rate limits count in fixed windows: no continueExceeding or exponentialBackoff",
        );
    }

    incr(key: string, callback: Answer): void {
      callback(null, counts.add(key));
    }

    read(key: string, callback: Answer): void {
      callback(null, counts.read(key));
    }

    child(options: object): FastifyRateLimitStore {
      return new SharedWindowStore(options);
    }
  }
  return SharedWindowStore;
}
