import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** The digest's settings: a single row (id 1), versioned so two editors cannot overwrite each other. */
export const SettingsEntity = defineEntity({
  name: "Settings",
  tableName: "settings",
  properties: {
    id: p.integer().primary(),
    enabled: p.boolean(),
    dailyTime: p.string(),
    timeZone: p.string(),
    defaultNotifyDays: p.integer(),
    recipients: p.array(),
    includeCreators: p.boolean(),
    sendWhenEmpty: p.boolean(),
    fromAddress: p.string(),
    fromName: p.string(),
    uiUrl: p.string(),
    smtpHost: p.string(),
    smtpPort: p.integer(),
    smtpSecurity: p.enum(["tls", "starttls", "none"] as const),
    smtpUsername: p.string().nullable(),
    /** AES-256-GCM under NOTIFIER_KEK (see secret-box.ts); never leaves the service. */
    smtpPasswordEnc: p.blob().nullable(),
    /** Random, made once: part of each digest's Message-ID, so two deployments never share one. */
    installationId: p.string(),
    updatedBy: p.string().nullable(),
    ...trackedProperties(),
  },
});
export type SettingsRow = InferEntity<typeof SettingsEntity>;

// The digest runs (one row per day) are read and written with plain SQL in digest-runs.ts: the claim
// is one conditional UPDATE … RETURNING, which an entity would only wrap.
export const notifierEntities = [SettingsEntity];
