import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** The digest's settings: a single row (id 1), versioned so two editors cannot overwrite each other. */
export const SettingsEntity = defineEntity({
  name: "Settings",
  tableName: "settings",
  properties: {
    id: p.smallint().primary().autoincrement(false),
    enabled: p.boolean(),
    dailyTime: p.text(),
    timeZone: p.text(),
    defaultNotifyDays: p.integer(),
    recipients: p.array(),
    includeCreators: p.boolean(),
    sendWhenEmpty: p.boolean(),
    fromAddress: p.text(),
    fromName: p.text(),
    uiUrl: p.text(),
    smtpHost: p.text(),
    smtpPort: p.integer(),
    smtpSecurity: p.enum(["tls", "starttls", "none"] as const),
    smtpUsername: p.text().nullable(),
    /** Sealed under NOTIFIER_KEK (see sealed-values.ts); never leaves the service. */
    smtpPasswordEnc: p.blob().nullable(),
    /** Random, made once: part of each digest's Message-ID, so two deployments never share one. */
    installationId: p.text(),
    updatedBy: p.text().nullable(),
    ...trackedProperties(),
  },
  checks: [{ name: "settings_id_check", expression: "id = 1" }],
});
export type SettingsRow = InferEntity<typeof SettingsEntity>;

/**
 * One row per digest day, claimed by the replica that sends it. Read and written with SQL in
 * digest-runs.ts: the claim is one conditional UPDATE … RETURNING, which the unit of work would only wrap.
 */
export const DigestRunEntity = defineEntity({
  name: "DigestRun",
  tableName: "digest_runs",
  properties: {
    day: p.date().primary(),
    scheduledAt: p.datetime(),
    outcome: p.enum(["sent", "nothing_to_report"] as const).nullable(),
    attempts: p.integer().default(0),
    leaseOwner: p.text().nullable(),
    leaseUntil: p.datetime().nullable(),
    nextAttemptAt: p.datetime(),
    lastAttemptAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
    lastErrorAt: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
    messageId: p.text().nullable(),
    rowCount: p.integer().nullable(),
    recipientCount: p.integer().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    /** The schedule (zone, time of day) the run was claimed under; null for runs from before. */
    timeZone: p.text().nullable(),
    dailyTime: p.text().nullable(),
  },
  indexes: [{ name: "digest_runs_by_sent_at", properties: ["sentAt"], where: "outcome = 'sent'" }],
});

export const notifierEntities = [SettingsEntity, DigestRunEntity];
