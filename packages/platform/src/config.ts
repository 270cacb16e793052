import { readFileSync } from "node:fs";
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
 * `.meta({ description, default?, npmStart?, secret? })`, from which the README's table is generated
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
  NATS_NKEY_SEED: z
    .string()
    .regex(/^SU[A-Z2-7]{56}$/, {
      message: "must be a NATS user NKey seed (SU…, from `nsc` or `nk -gen user`)",
    })
    .optional()
    .meta({
      description:
        "this service's NATS identity, a user NKey seed (the server's configuration names its public key and its permissions: docs/operations.md, \"The bus\"); unset: connects without one",
      secret: true,
      npmStart: "generated in `.data/bus/`",
    }),
  NATS_TLS_CA_PATH: z.string().min(1).optional().meta({
    description: "PEM file of the CA that signed the NATS servers' certificates: connects over TLS",
  }),
  NATS_TLS_CERT_PATH: z.string().min(1).optional().meta({
    description: "PEM client certificate, for NATS servers that verify clients (with NATS_TLS_KEY_PATH)",
  }),
  NATS_TLS_KEY_PATH: z.string().min(1).optional().meta({
    description: "PEM private key of NATS_TLS_CERT_PATH",
  }),
  BUS_ACTOR_KEY: base64Key32().optional().meta({
    description:
      "32 random bytes, base64: the Ed25519 seed this service signs its actor assertions with (the gateway: for the operator signed in; others: for themselves) and checks the tags addressed to it under; unset: it cannot send an actor, and verifies every signature",
    secret: true,
    npmStart: "generated in `.data/bus/`",
  }),
  BUS_ACTOR_TRUSTED_KEYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(
      z.array(
        z.object({
          signer: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
          publicKey: z
            .string()
            // A copy of its own: the native Ed25519 verification misreads a public key that is a view
            // into Node's shared Buffer pool (found with npm start's keys; noted in issue 16's report).
            .transform((text) => new Uint8Array(Buffer.from(text, "base64")))
            .refine((bytes) => bytes.length === 32, { message: "must be 32 bytes in base64" }),
        }),
      ),
    )
    .default([])
    .meta({
      description:
        "public keys actor assertions are trusted under, JSON `[{signer, publicKey}]` (base64); an assertion under no key here is refused (`[]`: every actor is refused)",
      npmStart: "the generated keys",
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
  OTEL_TRACES_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1).meta({
    description:
      "share (0–1) of the traces starting at this service that are recorded; a caller's decision is kept, so a trace is whole or absent",
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
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(25).meta({
    description:
      "after SIGTERM, the longest a replica takes to finish what is in flight and exit (past it: exit 1); under Kubernetes' `terminationGracePeriodSeconds`",
  }),
});

/** 32 random bytes in base64, as raw bytes. */
function base64Key32() {
  return z
    .string()
    .transform((text) => new Uint8Array(Buffer.from(text.trim(), "base64")))
    .refine((bytes) => bytes.length === 32, {
      message: "must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)",
    });
}

/** Settings of the services that answer HTTP (gateway, distribution). */
export const httpConfig = z.object({
  SHUTDOWN_DELAY_SECONDS: z.coerce.number().min(0).max(60).default(0).meta({
    description:
      "after SIGTERM, how long it keeps serving with `/readyz` at 503 before it closes its port, so a balancer that probes stops sending first (0 where a `preStop` sleep does it); within the grace",
  }),
});

/** Settings of services that keep data in PostgreSQL. */
export const databaseConfig = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }).meta({
    description: "`postgres://` URL of the platform database; each service uses its own schema in it",
    secret: true,
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

/** A key-encryption key: 32 random bytes in base64. Describe it with `.meta({ secret: true, … })`. */
export const kekSetting = z
  .string()
  .transform((text) => Buffer.from(text.trim(), "base64"))
  .refine((bytes) => bytes.length === 32, {
    message: "must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)",
  });

/** Earlier KEKs, comma-separated, still read while the rotation command reseals their values. */
export const previousKeksSetting = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== ""),
  )
  .pipe(z.array(kekSetting))
  .default([]);

/**
 * The variables of `schema` whose `.meta` says `secret: true`: each may also be given as
 * `<VARIABLE>_FILE=<path>`, as Kubernetes and Docker mount secrets.
 */
export function secretVariablesOf(schema: z.ZodType): string[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => (field.meta() as { secret?: boolean } | undefined)?.secret === true)
    .map(([name]) => name);
}

/**
 * The environment with every secret given as `<VARIABLE>_FILE` read into `<VARIABLE>` (one
 * trailing newline trimmed, as `echo` and editors leave one).
 */
function readSecretFiles(
  secrets: readonly string[],
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const problems: string[] = [];
  const read: Record<string, string> = {};
  for (const variable of secrets) {
    const path = env[`${variable}_FILE`];
    if (path === undefined) continue;
    if (env[variable] !== undefined) {
      problems.push(`${variable} and ${variable}_FILE are both set: keep one`);
      continue;
    }
    try {
      read[variable] = readFileSync(path, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
      problems.push(`${variable}_FILE=${JSON.stringify(path)} cannot be read (${reason})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return { ...env, ...read };
}

/**
 * Parses the environment once, at start-up. Every bad or missing variable is named in one message,
 * so a misconfigured deployment is fixed in one go. A secret (`.meta({ secret: true })`) may come
 * from a file named by `<VARIABLE>_FILE`.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
  /** Variables an earlier release read, with what replaced them: still set, they stop the service. */
  renamed: Record<string, string> = {},
): z.output<S> {
  const blanksRemoved = readSecretFiles(
    secretVariablesOf(schema),
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")),
  );
  const stale = Object.entries(renamed).filter(([old]) => blanksRemoved[old] !== undefined);
  if (stale.length > 0) {
    const lines = stale.map(([old, now]) => `${old} is no longer read: set ${now} instead`);
    throw new ConfigError(`Invalid configuration:\n  - ${lines.join("\n  - ")}`);
  }
  const result = schema.safeParse(blanksRemoved);
  if (result.success) return result.data;
  const secrets = new Set(secretVariablesOf(schema));
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join(".") || "(environment)";
    const value = blanksRemoved[variable];
    if (value === undefined) return `${variable} is missing (${issue.message})`;
    // A secret's value is never echoed: the message goes to the console and the logs.
    return secrets.has(variable)
      ? `${variable} is invalid: ${issue.message}`
      : `${variable}=${JSON.stringify(value)} is invalid: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
}
