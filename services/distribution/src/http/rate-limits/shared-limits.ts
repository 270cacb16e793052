import type { FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import { type Logger, observeRateLimitKeyShed } from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { RateLimitGossip } from "./gossip.ts";
import { sharedWindowStore } from "./store.ts";
import { WindowCounts } from "./window-counts.ts";

/** Every rate limit counts per minute. */
export const rateLimitWindowMs = 60_000;

export interface SharedLimitsOptions {
  nc: NatsConnection;
  prefix: string;
  log: Logger;
  /** How often a replica reports its counts to the others; 0: each replica counts alone. */
  syncMs: number;
  /** The most keys a replica counts at once. */
  maxKeys: number;
  /** The clock, in ms since the epoch. */
  now: () => number;
}

export interface SharedLimits {
  /** The store every rate limit of the service counts in. */
  store: FastifyRateLimitStoreCtor;
  /** The worker that shares the counts (none when each replica counts alone). */
  gossip: RateLimitGossip | undefined;
}

/**
 * The rate-limit counts of a replica, shared with the other replicas of its deployment every
 * `syncMs` (docs/distribution.md, "Rate limits", for the bound this gives).
 */
export function createSharedLimits(options: SharedLimitsOptions): SharedLimits {
  const { log } = options;
  let lastShedLog = Number.NEGATIVE_INFINITY;
  const counts = new WindowCounts({
    windowMs: rateLimitWindowMs,
    maxKeys: options.maxKeys,
    shared: options.syncMs > 0,
    now: options.now,
    onShed: () => {
      observeRateLimitKeyShed();
      const now = options.now();
      if (now - lastShedLog < rateLimitWindowMs) return;
      lastShedLog = now;
      log.warn(
        { maxKeys: options.maxKeys },
        "rate-limit counts are full: the least recently seen keys are dropped (raise DISTRIBUTION_RATE_LIMIT_MAX_KEYS)",
      );
    },
  });
  const gossip =
    options.syncMs > 0
      ? new RateLimitGossip({
          nc: options.nc,
          prefix: options.prefix,
          counts,
          intervalMs: options.syncMs,
          log,
        })
      : undefined;
  return { store: sharedWindowStore(counts), gossip };
}
