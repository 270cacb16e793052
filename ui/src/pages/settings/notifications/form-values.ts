import type { NotifierSettings, SmtpSecurity, UpdateNotifierSettingsRequest } from "@licensing/contracts";

/** What the settings form edits; numbers stay `""` while their input is empty. */
export interface NotificationFormValues {
  enabled: boolean;
  dailyTime: string;
  timeZone: string;
  defaultNotifyDays: number | string;
  recipients: string[];
  includeCreators: boolean;
  sendWhenEmpty: boolean;
  fromName: string;
  fromAddress: string;
  uiUrl: string;
  smtp: {
    host: string;
    port: number | string;
    security: SmtpSecurity;
    username: string;
    /** A new password; empty keeps the stored one. */
    password: string;
    removePassword: boolean;
  };
}

export function settingsToForm(settings: NotifierSettings): NotificationFormValues {
  return {
    enabled: settings.enabled,
    dailyTime: settings.dailyTime,
    timeZone: settings.timeZone,
    defaultNotifyDays: settings.defaultNotifyDays,
    recipients: settings.recipients,
    includeCreators: settings.includeCreators,
    sendWhenEmpty: settings.sendWhenEmpty,
    fromName: settings.fromName,
    fromAddress: settings.fromAddress,
    uiUrl: settings.uiUrl,
    smtp: {
      host: settings.smtp.host,
      port: settings.smtp.port,
      security: settings.smtp.security,
      username: settings.smtp.username ?? "",
      password: "",
      removePassword: false,
    },
  };
}

/** The request the form sends: the whole settings, the password only when typed (or removed). */
export function formToRequest(
  values: NotificationFormValues,
  version: number,
): UpdateNotifierSettingsRequest {
  const { smtp } = values;
  const username = smtp.username.trim();
  return {
    expectedVersion: version,
    enabled: values.enabled,
    dailyTime: values.dailyTime,
    timeZone: values.timeZone,
    defaultNotifyDays: values.defaultNotifyDays as number,
    recipients: values.recipients,
    includeCreators: values.includeCreators,
    sendWhenEmpty: values.sendWhenEmpty,
    fromName: values.fromName,
    fromAddress: values.fromAddress.trim(),
    uiUrl: values.uiUrl.trim(),
    smtp: {
      host: smtp.host.trim(),
      port: smtp.port as number,
      security: smtp.security,
      username: username === "" ? null : username,
      ...(smtp.removePassword ? { password: null } : smtp.password ? { password: smtp.password } : {}),
    },
  };
}

/** Every IANA zone this browser knows, for the zone picker (the service checks the same way). */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set(["UTC", ...known, current])].sort();
}
