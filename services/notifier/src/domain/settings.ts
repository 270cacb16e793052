import { randomBytes } from "node:crypto";
import {
  type Actor,
  AppError,
  type NotifierSettings,
  type notifier,
  type RequestOf,
  type SmtpSecurity,
} from "@licensing/contracts";
import type { SealedBox } from "@licensing/platform";
import { changesBetween, definedOnly, execute, type Orm, recordAudit } from "@licensing/platform";
import { LockMode } from "@mikro-orm/core";
import { SettingsEntity, type SettingsRow } from "./entities.ts";

/** What the first settings row starts from (npm start points SMTP at its mail catcher). */
export interface SettingsSeed {
  uiUrl: string;
  fromAddress: string;
  smtp?: { host: string; port: number; security: SmtpSecurity } | undefined;
}

/** The SMTP connection the mailer needs, the password in clear: it never leaves the service. */
export interface SmtpConnection {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  password: string | null;
}

export const passwordPurpose = "notifier SMTP password";

/** The one settings row: created at start when missing, read at every tick, changed by a superadmin. */
export class SettingsStore {
  readonly #orm: Orm;
  readonly #box: SealedBox;
  readonly #seed: SettingsSeed;
  readonly #now: () => Date;

  constructor(orm: Orm, box: SealedBox, seed: SettingsSeed, now: () => Date) {
    this.#orm = orm;
    this.#box = box;
    this.#seed = seed;
    this.#now = now;
  }

  /** Creates the row with the defaults, once however many replicas start together. */
  async ensure(): Promise<void> {
    const now = this.#now();
    const smtp = this.#seed.smtp ?? { host: "localhost", port: 587, security: "starttls" };
    await execute(
      this.#orm.em.fork(),
      `insert into notifier.settings (id, enabled, daily_time, time_zone, default_notify_days, recipients,
           include_creators, send_when_empty, from_address, from_name, ui_url, smtp_host, smtp_port, smtp_security,
           smtp_username, smtp_password_enc, installation_id, updated_by, version, created_at, updated_at)
         values (1, true, '08:00', 'UTC', 30, '{}', false, false, $1, 'Licensing', $2, $3, $4, $5, null, null, $6, null, 1, $7, $7)
         on conflict (id) do nothing`,
      [
        this.#seed.fromAddress,
        this.#seed.uiUrl,
        smtp.host,
        smtp.port,
        smtp.security,
        randomBytes(6).toString("hex"),
        now,
      ],
    );
  }

  async load(): Promise<SettingsRow> {
    const row = await this.#orm.em.fork().findOne(SettingsEntity, { id: 1 }, { disableIdentityMap: true });
    if (!row) throw new AppError("internal", "The notifier's settings row is missing");
    return row;
  }

  async view(): Promise<NotifierSettings> {
    return toView(await this.load());
  }

  smtpOf(row: SettingsRow): SmtpConnection {
    return {
      host: row.smtpHost,
      port: row.smtpPort,
      security: row.smtpSecurity,
      username: row.smtpUsername ?? null,
      password: row.smtpPasswordEnc
        ? this.#box.open(row.smtpPasswordEnc, passwordPurpose).toString("utf8")
        : null,
    };
  }

  async update(
    request: RequestOf<typeof notifier.updateSettings>,
    actor: Actor | undefined,
    requestId: string | null = null,
  ) {
    const { expectedVersion, smtp, ...fields } = request;
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(SettingsEntity, { id: 1 }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw new AppError("internal", "The notifier's settings row is missing");
      if (expectedVersion !== undefined && row.version !== expectedVersion)
        throw new AppError(
          "conflict",
          `The notification settings were changed by someone else (now version ${row.version}); reload and retry`,
        );
      const before = auditedFields(toView(row));
      Object.assign(row, definedOnly({ ...fields, uiUrl: fields.uiUrl?.replace(/\/+$/, "") }));
      if (smtp) {
        const { password, host, port, security, username } = smtp;
        Object.assign(row, definedOnly({ smtpHost: host, smtpPort: port, smtpSecurity: security }));
        if (username !== undefined) row.smtpUsername = username === "" ? null : username;
        if (password !== undefined) {
          if (password !== null && !row.smtpUsername)
            throw AppError.validation([
              { path: "smtp.password", message: "needs a user name to sign in with (smtp.username)" },
            ]);
          row.smtpPasswordEnc = password === null ? null : this.#box.seal(password, passwordPurpose);
        }
        // No user, no password: signing in is off.
        if (!row.smtpUsername) row.smtpPasswordEnc = null;
      }
      row.updatedBy = actor?.username ?? null;
      await em.flush();
      const view = toView(row);
      // What changed, as the settings page shows it: never the SMTP password, only whether one is set.
      const changes = changesBetween(before, auditedFields(view));
      if (Object.keys(changes).length > 0 || smtp?.password !== undefined)
        await recordAudit(em, {
          action: "settings.updated",
          entityType: "settings",
          entityId: "notifications",
          actor,
          ctx: { requestId },
          reason: smtp?.password !== undefined ? "SMTP password set or cleared" : null,
          changes,
        });
      return view;
    });
  }
}

function toView(row: SettingsRow): NotifierSettings {
  return {
    enabled: row.enabled,
    dailyTime: row.dailyTime,
    timeZone: row.timeZone,
    defaultNotifyDays: row.defaultNotifyDays,
    recipients: row.recipients,
    includeCreators: row.includeCreators,
    sendWhenEmpty: row.sendWhenEmpty,
    fromAddress: row.fromAddress,
    fromName: row.fromName,
    uiUrl: row.uiUrl,
    smtp: {
      host: row.smtpHost,
      port: row.smtpPort,
      security: row.smtpSecurity,
      username: row.smtpUsername ?? null,
      passwordSet: row.smtpPasswordEnc != null,
    },
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy ?? null,
  };
}

/** The settings as their audit entries compare them (not the version and who changed them last). */
function auditedFields(view: NotifierSettings): Record<string, unknown> {
  const {
    version: _v,
    updatedAt: _a,
    updatedBy: _b,
    ...rest
  } = view as NotifierSettings & Record<string, unknown>;
  return rest;
}
