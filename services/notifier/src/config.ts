import { baseConfig, databaseConfig, kekSetting, loadConfig, previousKeksSetting } from "@licensing/platform";
import { z } from "zod";

const smtpUrl = z
  .url({ protocol: /^smtps?$/, error: "must be smtp://host:port or smtps://host:port" })
  .transform((text) => {
    const url = new URL(text);
    const secure = url.protocol === "smtps:";
    return {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      security: secure
        ? ("tls" as const)
        : url.searchParams.get("tls") === "none"
          ? ("none" as const)
          : ("starttls" as const),
    };
  });

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s):// URL" })
  .transform((url) => url.replace(/\/+$/, ""));

export const notifierConfig = baseConfig.extend(databaseConfig.shape).extend({
  NOTIFIER_KEK: kekSetting.meta({
    description:
      "32 random bytes, base64: the SMTP password is encrypted under it; rotated with `npm run kek:rotate -w services/notifier` (docs/operations.md)",
    secret: true,
    npmStart: "`.data/notifier-kek`",
  }),
  NOTIFIER_KEK_PREVIOUS: previousKeksSetting.meta({
    description:
      "earlier KEKs, base64, comma-separated: still read (never written) until `kek:rotate` has resealed their values",
    secret: true,
  }),
  NOTIFIER_UI_URL: httpUrl.optional().meta({
    description: "where people reach the UI, linked from the digest: the first settings' UI address",
    shownDefault: "`http://localhost:8080`",
    npmStart: "the gateway's address",
  }),
  NOTIFIER_SMTP_URL: smtpUrl.optional().meta({
    description:
      "the first settings' SMTP server (`?tls=none` for a plain local one); later edited in Settings → Notifications",
    npmStart: "the mail catcher",
  }),
  NOTIFIER_DIGEST_LEASE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600).meta({
    description:
      "how long a replica's claim on a day's digest lasts: a replica that dies while sending holds the others off this long (10 minutes)",
  }),
  NOTIFIER_FROM: z
    .email({ error: "must be an email address" })
    .default("licensing@example.com")
    .meta({ description: "the first settings' sender" }),
});
export type NotifierConfig = z.output<typeof notifierConfig>;

export function loadNotifierConfig(env?: Record<string, string | undefined>): NotifierConfig {
  return loadConfig(notifierConfig, env);
}
