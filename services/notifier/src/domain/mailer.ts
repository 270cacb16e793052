import { AppError } from "@licensing/contracts";
import nodemailer from "nodemailer";
import type { SmtpConnection } from "./settings.ts";

/** A message to send, as the digest builds it. */
export interface OutgoingMail {
  from: { name: string; address: string };
  to: string[];
  cc: string[];
  subject: string;
  html: string;
  text: string;
  /** Set for the daily digest (one per day and installation), so a resend is recognisable. */
  messageId?: string;
  headers: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

/** Sends one message over SMTP. A failure is an AppError whose message never holds a credential. */
export interface Mailer {
  send(smtp: SmtpConnection, mail: OutgoingMail): Promise<SentMail>;
}

// Well under the lease a sender holds on a day's digest (see digest-runs.ts), so a send that hangs
// fails long before another replica may take the day over.
const timeouts = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 };

/** nodemailer over SMTP, one connection per message (a digest a day needs no pool). */
export const smtpMailer: Mailer = {
  async send(smtp, mail) {
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === "tls",
      requireTLS: smtp.security === "starttls",
      ignoreTLS: smtp.security === "none",
      ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ?? "" } } : {}),
      ...timeouts,
      logger: false,
      debug: false,
    });
    try {
      const info = await transport.sendMail({
        from: { name: mail.from.name, address: mail.from.address },
        to: mail.to,
        cc: mail.cc,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        ...(mail.messageId ? { messageId: mail.messageId } : {}),
      });
      return {
        messageId: String(info.messageId),
        accepted: info.accepted.map(addressText),
        rejected: info.rejected.map(addressText),
      };
    } catch (error) {
      throw new AppError(
        "service_unavailable",
        `The mail server ${smtp.host}:${smtp.port} did not take the message: ${describeMailError(error, smtp.password)}`,
      );
    } finally {
      transport.close();
    }
  },
};

function addressText(address: string | { address: string }): string {
  return typeof address === "string" ? address : address.address;
}

/**
 * What went wrong, for the state panel and the logs: the error's code and the server's answer, never
 * the SMTP command (an AUTH command carries the credentials), with the password scrubbed from
 * whatever is left in case a server echoes it.
 */
export function describeMailError(error: unknown, password: string | null): string {
  const e = error as { code?: unknown; response?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  const said = typeof e.response === "string" ? e.response : typeof e.message === "string" ? e.message : "";
  let text = [code, said].filter(Boolean).join(": ") || String(error);
  if (password) {
    for (const secret of [password, Buffer.from(password).toString("base64")])
      text = text.split(secret).join("[redacted]");
    // AUTH PLAIN sends base64(\0user\0password): any base64 run long enough to hide it goes too.
    text = text.replace(/[A-Za-z0-9+/]{24,}={0,2}/g, "[redacted]");
  }
  return text.slice(0, 500);
}
