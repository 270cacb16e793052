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
  ISSUER_KEK: kek.meta({
    description: "32 random bytes, base64: the key signing keys and license keys are encrypted under",
    npmStart: "`.data/issuer-kek`",
  }),
  /** A count of calendar days, as a license's own `notifyDays`, not a duration. */
  ISSUER_DEFAULT_NOTIFY_DAYS: z.coerce.number().int().min(0).max(3650).default(30).meta({
    description:
      "notice window (calendar days) of licenses that set none: their status is `expiring` within it",
  }),
  ISSUER_TIME_ZONE: z
    .string()
    .trim()
    .default("UTC")
    .refine(isTimeZone, { message: "must be an IANA time zone such as UTC or Europe/Paris" })
    .meta({
      description:
        "IANA zone of the calendar days a license's status counts (`expiring` from 00:00 of the day its window opens); set it to the digest's zone",
    }),
});
export type IssuerConfig = z.output<typeof issuerConfig>;

export function loadIssuerConfig(env?: Record<string, string | undefined>): IssuerConfig {
  return loadConfig(issuerConfig, env);
}
