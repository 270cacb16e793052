import { baseConfig, databaseConfig, kekSetting, loadConfig, previousKeksSetting } from "@licensing/platform";
import { z } from "zod";
import { isTimeZone } from "./domain/expiry.ts";

export const issuerConfig = baseConfig.extend(databaseConfig.shape).extend({
  ISSUER_KEK: kekSetting.meta({
    description:
      "32 random bytes, base64: the key signing keys and license keys are encrypted under; rotated with `npm run kek:rotate -w services/issuer` (docs/operations.md)",
    secret: true,
    npmStart: "`.data/issuer-kek`",
  }),
  ISSUER_KEK_PREVIOUS: previousKeksSetting.meta({
    description:
      "earlier KEKs, base64, comma-separated: still read (never written) until `kek:rotate` has resealed their values",
    secret: true,
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
