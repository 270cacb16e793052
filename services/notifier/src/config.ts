import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";
import { z } from "zod";

const kek = z
  .string()
  .transform((text) => Buffer.from(text.trim(), "base64"))
  .refine((bytes) => bytes.length === 32, {
    message: "must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)",
  });

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
  /** Key-encryption key: the SMTP password is stored encrypted under it. */
  NOTIFIER_KEK: kek,
  /** Where people reach the UI (as the gateway's PUBLIC_URL): the first `uiUrl` setting, unless… */
  PUBLIC_URL: httpUrl.optional(),
  /** …this names another (npm start: the gateway's port on localhost). */
  NOTIFIER_UI_URL: httpUrl.optional(),
  /** The SMTP server of the first settings (`?tls=none` for a plain local server); edited in the UI after. */
  NOTIFIER_SMTP_URL: smtpUrl.optional(),
  /** The sender of the first settings. */
  NOTIFIER_FROM: z.email({ error: "must be an email address" }).default("licensing@example.com"),
});
export type NotifierConfig = z.output<typeof notifierConfig>;

export function loadNotifierConfig(env?: Record<string, string | undefined>): NotifierConfig {
  return loadConfig(notifierConfig, env);
}
