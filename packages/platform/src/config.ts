import { z } from "zod";

/** A configuration problem, named by its environment variable(s). Services print it and exit. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * The settings every service reads. Services extend this with their own variables, named
 * `<SERVICE>_<NAME>`, durations in `_SECONDS`, rates in `_PER_MINUTE`; each described with
 * `.meta({ description, default?, npmStart? })`, from which the README's table is generated
 * (`npm run docs:config`, docs/development.md).
 */
export const baseConfig = z.object({
  NATS_URL: z
    .string()
    .min(1)
    .default("nats://127.0.0.1:4222")
    .meta({ description: "NATS server(s), comma-separated" }),
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1).meta({
    description:
      "copies JetStream keeps of the platform's streams and large-body buckets: 1 on one server, 3 on a cluster",
  }),
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional().meta({
    description:
      "port of the Prometheus `/metrics` endpoint (unset: none); apart from the service's own port",
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
    .optional()
    .meta({
      description:
        "OTLP/HTTP collector base URL (e.g. `http://otel-collector:4318`): traces go to `<url>/v1/traces` (unset: no tracing)",
    }),
  SUBJECT_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/, { message: "must be lower-case letters, digits, - or _ (e.g. lic)" })
    .default("lic")
    .meta({ description: "first token of every subject; the event stream is `<PREFIX>_EVENTS`" }),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .meta({ description: "`fatal` … `trace`, or `silent`" }),
});

/** Settings of services that keep data in PostgreSQL. */
export const databaseConfig = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }).meta({
    description: "`postgres://` URL of the platform database; each service uses its own schema in it",
    npmStart: "sets it",
  }),
  DATABASE_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(2)
    .max(200)
    .default(10)
    .meta({ description: "connections per service process" }),
});

/**
 * Parses the environment once, at start-up. Every bad or missing variable is named in one message,
 * so a misconfigured deployment is fixed in one go.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
  /** Variables an earlier release read, with what replaced them: still set, they stop the service. */
  renamed: Record<string, string> = {},
): z.output<S> {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const stale = Object.entries(renamed).filter(([old]) => blanksRemoved[old] !== undefined);
  if (stale.length > 0) {
    const lines = stale.map(([old, now]) => `${old} is no longer read: set ${now} instead`);
    throw new ConfigError(`Invalid configuration:\n  - ${lines.join("\n  - ")}`);
  }
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
