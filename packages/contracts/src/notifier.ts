import { z } from "zod";
import { defineEndpoint } from "./endpoint.ts";
import { idOf, isoDate, timestamp } from "./schema.ts";

/** Whether `zone` is an IANA time zone this runtime knows (the browser's check is the service's). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const email = z.email({ error: "must be an email address (name@example.com)" }).max(254);

/** How the notifier talks TLS to its SMTP server. */
export const smtpSecurities = ["tls", "starttls", "none"] as const;
export const smtpSecuritySchema = z.enum(smtpSecurities, {
  error: "must be tls (implicit, port 465), starttls (required upgrade, port 587) or none",
});
export type SmtpSecurity = z.infer<typeof smtpSecuritySchema>;

const dailyTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, {
  error: "must be a time of day as HH:MM (24-hour), e.g. 07:30",
});

const timeZone = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .max(64)
  .refine(isTimeZone, { error: "must be an IANA time zone, e.g. Europe/Paris" });

const recipients = z
  .array(email)
  .max(50, { error: "at most 50 recipients" })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((address, index) => {
      const key = address.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: [index], message: "appears twice" });
      seen.add(key);
    });
  });

const smtpFields = z.object({
  host: z
    .string()
    .trim()
    .min(1, { error: "must not be empty" })
    .max(253)
    .regex(/^[A-Za-z0-9._:-]+$/, { error: "must be a host name or an IP address" }),
  port: z.number({ error: "must be a port number" }).int().min(1).max(65_535),
  security: smtpSecuritySchema,
  /** Sign in to the SMTP server as this user; `null` for no authentication. */
  username: z.string().trim().max(200).nullable(),
});

/** What a superadmin edits (the SMTP password aside, which is write-only). */
export const notifierSettingsFields = z.object({
  /** Send the daily digest at all. */
  enabled: z.boolean(),
  dailyTime,
  timeZone,
  /** Notice window, in days, of licenses that set none. */
  defaultNotifyDays: z.number({ error: "must be a number of days" }).int().min(0).max(3650),
  recipients,
  /** Also send the digest (in Cc) to each listed license's creator whose username is an email address. */
  includeCreators: z.boolean(),
  /** Send a digest on a day with nothing to report. */
  sendWhenEmpty: z.boolean(),
  fromAddress: email,
  fromName: z.string().trim().max(100),
  /** Where people reach the UI; each row of the digest links to `<uiUrl>/crm/licenses/<id>`. */
  uiUrl: z
    .url({ protocol: /^https?$/, error: "must be an http(s):// URL, e.g. https://licensing.example.com" })
    .max(500),
  smtp: smtpFields,
});

/** The settings as the notifier answers them: never the SMTP password, only whether one is set. */
export const notifierSettingsSchema = notifierSettingsFields.extend({
  smtp: smtpFields.extend({ passwordSet: z.boolean() }),
  version: z.number().int(),
  updatedAt: timestamp,
  updatedBy: z.string().nullable(),
});
export type NotifierSettings = z.infer<typeof notifierSettingsSchema>;

/** Strict, as every request: an unknown member (at any depth) is `validation_failed` naming it. */
export const updateNotifierSettingsRequest = z
  .strictObject(notifierSettingsFields.shape)
  .partial()
  .extend({
    smtp: z
      .strictObject(smtpFields.shape)
      .partial()
      .extend({
        /** Omitted: unchanged; a string: the new password (stored encrypted); `null`: none. */
        password: z.string().min(1, { error: "must not be empty" }).max(1_000).nullable().optional(),
      })
      .optional(),
    /** The version the editor started from: a concurrent change answers `conflict`. */
    expectedVersion: z.number().int().min(1).optional(),
  });
export type UpdateNotifierSettingsRequest = z.input<typeof updateNotifierSettingsRequest>;

/** One row of the digest, with every column as the email shows it. */
export const digestRowSchema = z.object({
  licenseId: idOf("license"),
  /** The license in the UI. */
  url: z.string(),
  accountName: z.string(),
  /**
   * The "Kind" column: `Commercial` or `Test`, with `, internal` for internal-use licenses. Not the
   * license's informational `licenseType` (subscription, trial…); the member keeps its first name:
   * renaming a member of a published response would break its callers.
   */
  licenseType: z.string(),
  /** Machines the license may be activated on (`Unlimited`), plus fleet seats when it has some. */
  licenseCount: z.string(),
  creator: z.string(),
  /** The day the license was created, in the digest's time zone (YYYY-MM-DD). */
  created: z.string(),
  products: z.string(),
  /** The end, in the digest's time zone (YYYY-MM-DD HH:MM). */
  expires: z.string(),
  /** `expired today`, `expires today` or `expires in N days`. */
  status: z.string(),
  daysLeft: z.number().int(),
  endDate: timestamp,
});
export type DigestRow = z.infer<typeof digestRowSchema>;

/** A digest exactly as it is (or was, or will be) sent. */
export const digestSchema = z.object({
  day: isoDate,
  timeZone: z.string(),
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  rows: z.array(digestRowSchema),
  /** Rows in the digest; `rows`, `html` and `text` hold fewer when `truncated`. */
  total: z.number().int(),
  /** The digest is too large for one bus message: the preview shows its first rows only. */
  truncated: z.boolean(),
  /** Who it goes to: the recipients, and creators in Cc when that option is on. */
  to: z.array(z.string()),
  cc: z.array(z.string()),
});
export type Digest = z.infer<typeof digestSchema>;

export const digestRunStatuses = ["sending", "retrying", "sent", "nothing_to_report", "missed"] as const;

/** One day's digest: claimed, sent, retried, or missed. */
export const digestRunSchema = z.object({
  day: isoDate,
  status: z.enum(digestRunStatuses),
  scheduledAt: timestamp,
  attempts: z.number().int(),
  lastAttemptAt: timestamp.nullable(),
  nextAttemptAt: timestamp.nullable(),
  lastError: z.string().nullable(),
  sentAt: timestamp.nullable(),
  messageId: z.string().nullable(),
  rows: z.number().int().nullable(),
  recipients: z.number().int().nullable(),
});
export type DigestRun = z.infer<typeof digestRunSchema>;

export const notifierStateSchema = z.object({
  enabled: z.boolean(),
  dailyTime: z.string(),
  timeZone: z.string(),
  /** When the notifier next acts: the next scheduled digest, or the next retry of a failed one. */
  nextRunAt: timestamp.nullable(),
  /** Why nothing would be sent now (disabled, no recipients, today's skipped as too soon), if so. */
  waiting: z.string().nullable(),
  lastSent: digestRunSchema.nullable(),
  lastFailure: z.object({ day: isoDate, at: timestamp, error: z.string() }).nullable(),
  /** The last 14 days' digests, newest first. */
  recent: z.array(digestRunSchema),
  at: timestamp,
});
export type NotifierState = z.infer<typeof notifierStateSchema>;

export const notifier = {
  getSettings: defineEndpoint({
    service: "notifier",
    subject: "notifier.settings.get",
    summary: "The digest's settings (the SMTP password never: only whether one is set)",
    request: z.strictObject({}),
    response: notifierSettingsSchema,
    errors: [],
  }),
  updateSettings: defineEndpoint({
    service: "notifier",
    subject: "notifier.settings.update",
    summary: "Change the digest's settings: schedule, window, recipients, sender, SMTP",
    request: updateNotifierSettingsRequest,
    response: notifierSettingsSchema,
    errors: ["validation_failed", "conflict"],
  }),
  preview: defineEndpoint({
    service: "notifier",
    subject: "notifier.digest.preview",
    summary: "A day's digest (today's by default) rendered exactly as it is sent",
    request: z.strictObject({ day: isoDate.optional() }),
    response: digestSchema,
    errors: ["validation_failed", "service_unavailable"],
  }),
  sendTest: defineEndpoint({
    service: "notifier",
    subject: "notifier.digest.send-test",
    summary: "Send today's digest now, marked as a test, to the recipients or the given addresses",
    request: z.strictObject({ to: z.array(email).min(1).max(10).optional() }),
    response: z.object({
      messageId: z.string(),
      accepted: z.array(z.string()),
      rejected: z.array(z.string()),
    }),
    errors: ["validation_failed", "invalid_state", "service_unavailable"],
  }),
  state: defineEndpoint({
    service: "notifier",
    subject: "notifier.digest.state",
    summary: "The schedule's state: next run, last sent, last failure, recent days",
    request: z.strictObject({}),
    response: notifierStateSchema,
    errors: [],
  }),
};

/** A message the development mail catcher received. */
export const caughtMailSchema = z.object({
  id: z.string(),
  receivedAt: timestamp,
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  /** Size of the .eml file in bytes. */
  size: z.number().int(),
});
export type CaughtMail = z.infer<typeof caughtMailSchema>;

const caughtMailId = z
  .string()
  .regex(/^[0-9A-Za-z_-]{1,100}$/, { error: "must be a message id from the list" });

/** The development mail catcher `npm start` runs: an SMTP server that keeps what it gets as .eml files. */
export const mailCatcher = {
  list: defineEndpoint({
    service: "mailcatcher",
    subject: "mailcatcher.message.list",
    summary: "Messages the development mail catcher received, newest first",
    request: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: z.object({
      items: z.array(caughtMailSchema),
      /** Where the .eml files are. */
      directory: z.string(),
      smtp: z.object({ host: z.string(), port: z.number().int() }),
    }),
    errors: ["validation_failed"],
  }),
  get: defineEndpoint({
    service: "mailcatcher",
    subject: "mailcatcher.message.get",
    summary: "One caught message: its HTML and text parts (omitted when too large for the bus)",
    request: z.strictObject({ id: caughtMailId }),
    response: caughtMailSchema.extend({
      messageId: z.string().nullable(),
      cc: z.array(z.string()),
      html: z.string().nullable(),
      text: z.string().nullable(),
      tooLarge: z.boolean(),
      path: z.string(),
    }),
    errors: ["validation_failed", "not_found"],
  }),
};
