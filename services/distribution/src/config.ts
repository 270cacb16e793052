import { artifactStoreConfig } from "@licensing/artifacts";
import { baseConfig, databaseConfig, httpConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";

const flag = (fallback: boolean) =>
  z
    .stringbool({ error: "must be true or false" })
    .optional()
    .transform((value) => value ?? fallback);

const day = 86_400;
/** A duration in whole seconds. */
const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const distributionConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(httpConfig.shape)
  .extend(artifactStoreConfig.shape)
  .extend({
    DISTRIBUTION_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(8090)
      .meta({ description: "where the products' API listens (0: any free port)" }),
    DISTRIBUTION_HOST: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .meta({ description: "the address it listens on" }),
    DISTRIBUTION_PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
      .transform((url) => url.replace(/\/$/, ""))
      .optional()
      .meta({
        description: "where products reach the API behind a proxy (printed; the OpenAPI server; https: HSTS)",
      }),
    DISTRIBUTION_TRUST_PROXY: flag(false).meta({
      shownDefault: "`false`",
      description: "behind a reverse proxy: the client address and protocol from `X-Forwarded-*`",
    }),
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
      })
      .meta({
        secret: true,
        description:
          "license servers' tokens for `GET /v1/sync`, comma-separated, 32+ characters each (none: off)",
        shownDefault: "(none)",
      }),
    DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(0)
      .default(600)
      .meta({ description: "requests from one client address (0: no limit)" }),
    DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: z.coerce.number().int().min(0).default(300).meta({
      description:
        "requests per (license key, machine); a key's ceiling is this times its seats or activations (0: no limit)",
    }),
    DISTRIBUTION_RATE_LIMIT_SYNC_SECONDS: z.coerce
      .number()
      .min(0)
      .max(10)
      .refine((s) => s === 0 || s >= 0.05, {
        error: "must be 0 (each replica counts alone) or at least 0.05",
      })
      .default(0.25)
      .meta({
        description:
          'how often replicas share rate-limit counts over NATS (docs/distribution.md, "Rate limits"); 0: each replica counts alone',
      }),
    DISTRIBUTION_RATE_LIMIT_MAX_KEYS: z.coerce.number().int().min(1_000).default(100_000).meta({
      description:
        "the most addresses, machines and keys a replica counts in a minute; past it the least recently seen are dropped",
    }),
    DISTRIBUTION_CACHE_TTL_SECONDS: z.coerce.number().min(0).max(60).default(1).meta({
      description:
        "how long a replica trusts what it read of a license (a suspension reaches it within this)",
    }),
    DISTRIBUTION_HEARTBEAT_TIMEOUT_SECONDS: seconds(600, 30 * day).meta({
      description: "a machine that sends heartbeats is released after this long without one (10 minutes)",
    }),
    DISTRIBUTION_MACHINE_FILE_TTL_SECONDS: seconds(7 * day, 366 * day).meta({
      description: "lifetime of a machine file fetched online (7 days)",
    }),
    DISTRIBUTION_OFFLINE_FILE_TTL_SECONDS: seconds(365 * day, 3_660 * day).meta({
      description: "lifetime of the machine file of an offline activation (365 days)",
    }),
    DISTRIBUTION_LEASE_TTL_SECONDS: seconds(900, day).meta({
      description: "lifetime of a fleet lease; collectors renew at half of it (15 minutes)",
    }),
    DISTRIBUTION_RECONCILE_INTERVAL_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * day)
      .default(3_600)
      .meta({
        description:
          'how often the read model of licenses is compared with the issuer and repaired (docs/distribution.md, "Reconciliation"); 0: never',
      }),
    DISTRIBUTION_USAGE_DETAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_660).default(90).meta({
      description:
        'days each usage report is kept (and a retried one recognised); older usage is kept per UTC day (docs/distribution.md, "Usage data")',
    }),
    DISTRIBUTION_USAGE_ROLLUP_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(day).default(900).meta({
      description:
        "how often closed hours and days are rolled up, partitions made ahead and detail past the retention dropped (15 minutes)",
    }),
  });
export type DistributionConfig = z.output<typeof distributionConfig>;

/** Names of earlier releases. */
const renamed = {
  DISTRIBUTION_RATE_LIMIT_IP: "DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE",
  DISTRIBUTION_RATE_LIMIT_KEY: "DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE",
  DISTRIBUTION_CACHE_TTL_MS: "DISTRIBUTION_CACHE_TTL_SECONDS (in seconds)",
  DISTRIBUTION_HEARTBEAT_TIMEOUT_S: "DISTRIBUTION_HEARTBEAT_TIMEOUT_SECONDS",
  DISTRIBUTION_MACHINE_FILE_TTL_H: "DISTRIBUTION_MACHINE_FILE_TTL_SECONDS (in seconds)",
  DISTRIBUTION_OFFLINE_FILE_TTL_D: "DISTRIBUTION_OFFLINE_FILE_TTL_SECONDS (in seconds)",
  DISTRIBUTION_LEASE_TTL_S: "DISTRIBUTION_LEASE_TTL_SECONDS",
};

export function loadDistributionConfig(env?: Record<string, string | undefined>): DistributionConfig {
  return loadConfig(distributionConfig, env, renamed);
}
