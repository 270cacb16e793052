import { z } from "zod";

/** A configuration problem, named by its environment variable(s). Services print it and exit. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The settings every service reads. Services extend this with their own variables. */
export const baseConfig = z.object({
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222"),
  SUBJECT_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/, { message: "must be lower-case letters, digits, - or _ (e.g. lic)" })
    .default("lic"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** Settings of services that keep data in PostgreSQL. */
export const databaseConfig = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
});

/**
 * Parses the environment once, at start-up. Every bad or missing variable is named in one message,
 * so a misconfigured deployment is fixed in one go.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = schema.safeParse(blanksRemoved);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join(".") || "(environment)";
    const value = blanksRemoved[variable];
    return value === undefined
      ? `${variable} is missing (${issue.message})`
      : `${variable}=${JSON.stringify(value)} is invalid: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
}
