import { baseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";

/** What `npm start` itself reads (each service reads its own settings from the same environment). */
export const launcherConfig = z.object({
  LOCAL_INFRA: z
    .enum(["embedded"], { error: 'must be "embedded" or unset' })
    .optional()
    .meta({ description: "`embedded`: always use the embedded PostgreSQL and nats-server (npm start only)" }),
  LOCAL_NATS: z
    .enum(["secure", "open"], { error: 'must be "secure", "open" or unset' })
    .default("secure")
    .meta({
      description:
        "where NATS_URL is unset and `nats-server` is installed: `secure` runs npm start's own nats-server (port 42230) with every service under its own NKey and subject permissions; `open`: the NATS on localhost:4222, or an unauthenticated nats-server on 42229 (npm start only)",
    }),
  // The services' own: on Ctrl-C, a service still running this long after it (plus a margin) is killed.
  SHUTDOWN_GRACE_SECONDS: baseConfig.shape.SHUTDOWN_GRACE_SECONDS,
});

export function loadLauncherConfig(env?: Record<string, string | undefined>) {
  return loadConfig(launcherConfig, env);
}
