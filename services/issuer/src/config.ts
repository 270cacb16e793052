import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";

const kek = z
  .string()
  .transform((text) => Buffer.from(text.trim(), "base64"))
  .refine((bytes) => bytes.length === 32, {
    message: "must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)",
  });

export const issuerConfig = baseConfig.extend(databaseConfig.shape).extend({
  /** Key-encryption key: signing keys and license keys are stored encrypted under it. */
  ISSUER_KEK: kek,
  /** Notice window, in days before the end, of licenses that do not set one: status `expiring`. */
  ISSUER_DEFAULT_NOTIFY_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
});
export type IssuerConfig = z.output<typeof issuerConfig>;

export function loadIssuerConfig(env?: Record<string, string | undefined>): IssuerConfig {
  return loadConfig(issuerConfig, env);
}
