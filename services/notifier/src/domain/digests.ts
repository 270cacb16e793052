import type { BusClient } from "@licensing/bus";
import { AppError, type Digest, type DigestRow } from "@licensing/contracts";
import { creatorAddresses, digestRows } from "./digest-rows.ts";
import type { SettingsRow } from "./entities.ts";
import type { Mailer, OutgoingMail, SentMail } from "./mailer.ts";
import { type RenderedDigest, renderDigest } from "./render.ts";
import { localDate } from "./schedule.ts";
import type { SettingsStore } from "./settings.ts";

/** A day's digest, built: its rows, the message, and who it goes to. */
export interface BuiltDigest extends RenderedDigest {
  day: string;
  rows: DigestRow[];
  to: string[];
  cc: string[];
}

export interface DigestsDeps {
  bus: BusClient;
  settings: SettingsStore;
  mailer: Mailer;
  now: () => Date;
  /** The largest answer the bus carries (NATS max_payload). */
  maxPayload: () => number;
}

/** Builds a day's digest from the issuer's answer, previews it, and sends it. */
export class Digests {
  readonly #deps: DigestsDeps;

  constructor(deps: DigestsDeps) {
    this.#deps = deps;
  }

  async build(
    settings: SettingsRow,
    day: string,
    now: Date,
    options: { test?: boolean } = {},
  ): Promise<BuiltDigest> {
    const rows = await digestRows(this.#deps.bus, {
      day,
      timeZone: settings.timeZone,
      defaultNotifyDays: settings.defaultNotifyDays,
      uiUrl: settings.uiUrl,
      now,
    });
    const to = [...settings.recipients];
    const listed = new Set(to.map((a) => a.toLowerCase()));
    const cc = settings.includeCreators
      ? creatorAddresses(rows).filter((address) => !listed.has(address.toLowerCase()))
      : [];
    const rendered = renderDigest({ ...renderSettings(settings, day), rows, test: options.test ?? false });
    return { day, rows, to, cc, ...rendered };
  }

  /**
   * A day's digest (today's in the settings' zone by default) as it is sent. One too large for a bus
   * message (thousands of rows) comes with its first rows only, and says so.
   */
  async preview(day: string | undefined): Promise<Digest> {
    const settings = await this.#deps.settings.load();
    const now = this.#deps.now();
    const built = await this.build(settings, day ?? localDate(now, settings.timeZone), now);
    const digest: Digest = {
      day: built.day,
      timeZone: settings.timeZone,
      subject: built.subject,
      html: built.html,
      text: built.text,
      rows: built.rows,
      total: built.rows.length,
      truncated: false,
      to: built.to,
      cc: built.cc,
    };
    const budget = this.#deps.maxPayload() - 64 * 1024;
    if (Buffer.byteLength(JSON.stringify(digest)) <= budget) return digest;
    // Shrink until it fits: the per-row cost is about the same throughout.
    let limit = built.rows.length;
    for (;;) {
      const size = Buffer.byteLength(JSON.stringify(digest));
      if (size <= budget || limit === 0) return digest;
      limit = Math.floor((limit * budget) / size / 1.1);
      const shown = renderDigest({ ...renderSettings(settings, built.day), rows: built.rows, limit });
      Object.assign(digest, {
        html: shown.html,
        text: shown.text,
        rows: built.rows.slice(0, limit),
        truncated: true,
      });
    }
  }

  /** Today's digest, marked as a test, to `to` or else the recipients; the schedule is untouched. */
  async sendTest(to: string[] | undefined): Promise<SentMail> {
    const settings = await this.#deps.settings.load();
    const now = this.#deps.now();
    const built = await this.build(settings, localDate(now, settings.timeZone), now, { test: true });
    const recipients = to ?? built.to;
    if (recipients.length === 0)
      throw new AppError(
        "invalid_state",
        "There are no recipients to send a test to: add recipients to the settings, or name an address",
      );
    return this.send(settings, { ...built, to: recipients, cc: [] });
  }

  /** Sends a built digest; the daily digest passes its own Message-ID. */
  send(settings: SettingsRow, digest: BuiltDigest, messageId?: string): Promise<SentMail> {
    const mail: OutgoingMail = {
      from: { name: settings.fromName, address: settings.fromAddress },
      to: digest.to,
      cc: digest.cc,
      subject: digest.subject,
      html: digest.html,
      text: digest.text,
      headers: {
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Licensing-Digest-Day": digest.day,
      },
      ...(messageId ? { messageId } : {}),
    };
    return this.#deps.mailer.send(this.#deps.settings.smtpOf(settings), mail);
  }
}

/**
 * The Message-ID of a day's digest: the same for every attempt and replica, so a digest sent twice
 * (accepted by the server, then the sender died before recording it) is recognisable as one.
 */
export function digestMessageId(settings: SettingsRow, day: string): string {
  const domain = settings.fromAddress.split("@")[1] ?? "localhost";
  return `<expiry-digest.${day}.${settings.installationId}@${domain}>`;
}

function renderSettings(settings: SettingsRow, day: string) {
  return { day, timeZone: settings.timeZone, dailyTime: settings.dailyTime, uiUrl: settings.uiUrl };
}
