import { resolve } from "node:path";
import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";
import { usernameSchema } from "./schemas.ts";

const flag = (fallback: boolean) =>
  z
    .stringbool({ error: "must be true or false" })
    .optional()
    .transform((value) => value ?? fallback);

/** One trusted vendor key: its id and its raw 32-byte Ed25519 public key in standard base64. */
const vendorKeySchema = z.object({
  keyId: z.string().min(1).max(64),
  publicKey: z
    .string()
    .transform((text) => new Uint8Array(Buffer.from(text, "base64")))
    .refine((key) => key.length === 32, { error: "publicKey must be 32 bytes in base64" }),
});

const vendorKeysSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: 'must be JSON, e.g. [{"keyId":"k1","publicKey":"<base64>"}]' });
      return z.NEVER;
    }
  })
  .pipe(z.array(vendorKeySchema));

export const gatewayConfig = baseConfig.extend(databaseConfig.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Where people reach the UI (behind a proxy); printed, and the server of the OpenAPI document. */
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
    .transform((url) => url.replace(/\/$/, ""))
    .optional(),
  ADMIN_USERNAME: usernameSchema.default("admin"),
  ADMIN_PASSWORD: z.string().min(12, { error: "must be at least 12 characters" }).max(1024).optional(),
  VENDOR_PUBLIC_KEYS: vendorKeysSchema.default([]),
  COOKIE_SECURE: flag(true),
  /** Behind a reverse proxy: trust X-Forwarded-For for the client address (rate limits, logs). */
  TRUST_PROXY: flag(false),
  /** The platform services /readyz waits for, comma-separated. */
  REQUIRED_SERVICES: z
    .string()
    .default("catalog")
    .transform((list) =>
      list
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  /** The built UI (`npm run build -w ui`); served when it exists. */
  UI_DIR: z.string().default(resolve(import.meta.dirname, "../../../ui/dist")),
  SESSION_IDLE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  SESSION_MAX_DAYS: z.coerce.number().positive().max(365).default(7),
});

export type GatewayConfig = z.output<typeof gatewayConfig>;

export function loadGatewayConfig(env?: Record<string, string | undefined>): GatewayConfig {
  return loadConfig(gatewayConfig, env);
}
