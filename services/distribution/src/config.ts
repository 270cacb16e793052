import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";

const flag = (fallback: boolean) =>
  z
    .stringbool({ error: "must be true or false" })
    .optional()
    .transform((value) => value ?? fallback);

const positive = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const distributionConfig = baseConfig.extend(databaseConfig.shape).extend({
  DISTRIBUTION_PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
  DISTRIBUTION_HOST: z.string().min(1).default("127.0.0.1"),
  /** Where products reach the API (behind a proxy): printed, and the OpenAPI server. */
  DISTRIBUTION_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
    .transform((url) => url.replace(/\/$/, ""))
    .optional(),
  /** Behind a reverse proxy: the client address (rate limits, logs) from X-Forwarded-For. */
  DISTRIBUTION_TRUST_PROXY: flag(false),
  /** Tokens of license servers allowed to call GET /v1/sync, comma-separated (none: sync is off). */
  DISTRIBUTION_SYNC_TOKENS: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .refine((tokens) => tokens.every((t) => t.length >= 32), {
      error: "each token must be at least 32 characters",
    }),
  /** Requests per minute from one client address (0: no limit). */
  DISTRIBUTION_RATE_LIMIT_IP: z.coerce.number().int().min(0).default(600),
  /**
   * Requests per minute per (license key, machine); a key's ceiling is this times its seats or
   * activations (0: no limit).
   */
  DISTRIBUTION_RATE_LIMIT_KEY: z.coerce.number().int().min(0).default(300),
  /** How long a replica trusts what it read of a license (a suspension reaches it within this). */
  DISTRIBUTION_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** A machine that sends heartbeats is released after this many seconds without one. */
  DISTRIBUTION_HEARTBEAT_TIMEOUT_S: positive(600, 30 * 86_400),
  /** Lifetime of a machine-activation document fetched online, in hours. */
  DISTRIBUTION_MACHINE_FILE_TTL_H: positive(168, 24 * 366),
  /** Lifetime of the machine-activation document of an offline activation, in days. */
  DISTRIBUTION_OFFLINE_FILE_TTL_D: positive(365, 3_660),
  /** Lifetime of a fleet lease, in seconds; collectors renew at half of it. */
  DISTRIBUTION_LEASE_TTL_S: positive(900, 86_400),
});
export type DistributionConfig = z.output<typeof distributionConfig>;

export function loadDistributionConfig(env?: Record<string, string | undefined>): DistributionConfig {
  return loadConfig(distributionConfig, env);
}
