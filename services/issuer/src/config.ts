import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";
import { isTimeZone } from "./domain/expiry.ts";

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
  /**
   * IANA zone of the calendar days a license's status counts (`expiring` from 00:00 of the day its
   * notice window opens); set it to the digest's zone (Settings → Notifications) so the two agree.
   */
  ISSUER_TIME_ZONE: z
    .string()
    .trim()
    .default("UTC")
    .refine(isTimeZone, { message: "must be an IANA time zone such as UTC or Europe/Paris" }),
});
export type IssuerConfig = z.output<typeof issuerConfig>;

export function loadIssuerConfig(env?: Record<string, string | undefined>): IssuerConfig {
  return loadConfig(issuerConfig, env);
}
