import { resolve } from "node:path";
import { artifactStoreConfig } from "@licensing/artifacts";
import { baseConfig, databaseConfig, httpConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";
import { usernameSchema } from "./schemas.ts";

const hour = 3_600;
const day = 24 * hour;

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

export const gatewayConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(httpConfig.shape)
  .extend(artifactStoreConfig.shape)
  .extend({
    GATEWAY_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(8080)
      .meta({ description: "where the gateway listens (0: any free port)" }),
    GATEWAY_HOST: z.string().min(1).default("127.0.0.1").meta({ description: "the address it listens on" }),
    GATEWAY_PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
      .transform((url) => url.replace(/\/$/, ""))
      .optional()
      .meta({ description: "where people reach the UI behind a proxy (printed; the OpenAPI server)" }),
    GATEWAY_ADMIN_USERNAME: usernameSchema
      .default("admin")
      .meta({ description: "the first superadmin, created when there is no user" }),
    GATEWAY_ADMIN_PASSWORD: z
      .string()
      .min(12, { error: "must be at least 12 characters" })
      .max(1024)
      .optional()
      .meta({
        description:
          "their password; else one is generated, printed once, and must be changed at first sign-in",
        secret: true,
      }),
    GATEWAY_VENDOR_PUBLIC_KEYS: vendorKeysSchema.default([]).meta({
      shownDefault: "`[]`",
      description: "keys trusted to sign CRM activation licenses, JSON `[{keyId, publicKey}]`",
      npmStart: "the development vendor key",
    }),
    GATEWAY_COOKIE_SECURE: flag(true).meta({
      shownDefault: "`true`",
      description: "`Secure` session cookie (browsers treat `http://localhost` as secure); also sends HSTS",
    }),
    GATEWAY_TRUST_PROXY: flag(false).meta({
      shownDefault: "`false`",
      description: "behind a reverse proxy: the client address from `X-Forwarded-For`",
    }),
    GATEWAY_REQUIRED_SERVICES: z
      .string()
      .default("catalog")
      .transform((list) =>
        list
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean),
      )
      .meta({
        description: "the services `/readyz` waits for, comma-separated",
        npmStart: "every one it runs but migration",
      }),
    GATEWAY_UI_DIR: z
      .string()
      .default(resolve(import.meta.dirname, "../../../ui/dist"))
      .meta({
        description: "the built UI the gateway serves (`npm run build -w ui`)",
        shownDefault: "`ui/dist`",
      }),
    GATEWAY_SESSION_IDLE_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .max(30 * day)
      .default(12 * hour)
      .meta({ description: "a session unused this long ends (12 hours)" }),
    GATEWAY_SESSION_MAX_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .max(365 * day)
      .default(7 * day)
      .meta({ description: "a session ends this long after sign-in (7 days)" }),
    GATEWAY_UPLOAD_LOCK_SECONDS: z.coerce.number().int().min(1).max(300).default(30).meta({
      description:
        "a release upload's lock, shared by the replicas, lapses this long after its holder stops renewing it (crashed)",
    }),
  });

export type GatewayConfig = z.output<typeof gatewayConfig>;

/**
 * Names of earlier releases that cannot mean anything else (PORT, HOST and PUBLIC_URL are left out:
 * hosting platforms set them for their own reasons).
 */
const renamed = {
  ADMIN_USERNAME: "GATEWAY_ADMIN_USERNAME",
  ADMIN_PASSWORD: "GATEWAY_ADMIN_PASSWORD",
  VENDOR_PUBLIC_KEYS: "GATEWAY_VENDOR_PUBLIC_KEYS",
  COOKIE_SECURE: "GATEWAY_COOKIE_SECURE",
  TRUST_PROXY: "GATEWAY_TRUST_PROXY",
  REQUIRED_SERVICES: "GATEWAY_REQUIRED_SERVICES",
  UI_DIR: "GATEWAY_UI_DIR",
  SESSION_IDLE_HOURS: "GATEWAY_SESSION_IDLE_SECONDS (in seconds)",
  SESSION_MAX_DAYS: "GATEWAY_SESSION_MAX_SECONDS (in seconds)",
};

export function loadGatewayConfig(env?: Record<string, string | undefined>): GatewayConfig {
  return loadConfig(gatewayConfig, env, renamed);
}
