// The development mail catcher: an SMTP server on this machine that accepts every message and keeps
// it as an .eml file (plus a small .json summary for the list), so `npm start` shows the digest
// without a real mail server. Never for production: it accepts anything from anyone who reaches it.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { AppError, type CaughtMail } from "@licensing/contracts";
import { type AddressObject, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface MailCatcherOptions {
  /** Where the .eml files go. */
  directory: string;
  port: number;
  host?: string;
  /** Called with each message once it is saved. */
  onMessage?: (mail: CaughtMail) => void;
}

export interface MailCatcher {
  directory: string;
  host: string;
  /** The port it listens on (the one asked for, or the one picked for port 0). */
  port: number;
  list(limit: number): Promise<CaughtMail[]>;
  /** One message, parsed; its parts are left out past `maxPartsBytes`. */
  get(id: string, maxPartsBytes: number): Promise<CaughtMessage>;
  close(): Promise<void>;
}

export interface CaughtMessage extends CaughtMail {
  messageId: string | null;
  cc: string[];
  html: string | null;
  text: string | null;
  tooLarge: boolean;
  path: string;
}

/** Starts the catcher: plain SMTP, any sender, any recipient, any (or no) login. */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const { directory } = options;
  const host = options.host ?? "127.0.0.1";
  await mkdir(directory, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    // Settings with a user name sign in over plain SMTP here: let them, there is no TLS to wait for.
    allowInsecureAuth: true,
    // No STARTTLS: its built-in certificate is a published test key, and nothing here leaves the machine.
    disabledCommands: ["STARTTLS"],
    logger: false,
    banner: "Licensing Platform development mail catcher",
    size: 50 * 1024 * 1024,
    onAuth: (_auth, _session, callback) => callback(null, { user: "development" }),
    onData: (stream, session, callback) => {
      const receivedAt = new Date();
      const id = `${receivedAt.toISOString().replace(/[-:.]/g, "").replace("T", "-")}-${randomBytes(3).toString("hex")}`;
      const path = join(directory, `${id}.eml`);
      pipeline(stream, createWriteStream(path))
        .then(async () => {
          const parsed = await simpleParser(await readFile(path), {
            skipHtmlToText: true,
            skipTextToHtml: true,
          });
          const mail: CaughtMail = {
            id,
            receivedAt: receivedAt.toISOString(),
            from: parsed.from?.text ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ""),
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? "",
            size: (await stat(path)).size,
          };
          await writeFile(join(directory, `${id}.json`), JSON.stringify(mail));
          options.onMessage?.(mail);
          callback(null, `Saved as ${id}.eml`);
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    directory,
    host,
    port,
    async list(limit) {
      const names = (await readdir(directory))
        .filter((n) => n.endsWith(".json"))
        .sort()
        .reverse();
      const items: CaughtMail[] = [];
      for (const name of names.slice(0, limit)) {
        try {
          items.push(JSON.parse(await readFile(join(directory, name), "utf8")) as CaughtMail);
        } catch {
          // a half-written summary: left out
        }
      }
      return items;
    },
    async get(id, maxPartsBytes) {
      const path = join(directory, `${id}.eml`);
      let summary: CaughtMail;
      let raw: Buffer;
      try {
        summary = JSON.parse(await readFile(join(directory, `${id}.json`), "utf8")) as CaughtMail;
        raw = await readFile(path);
      } catch {
        throw AppError.notFound("Caught message", id);
      }
      const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true });
      const html = typeof parsed.html === "string" ? parsed.html : null;
      const text = parsed.text ?? null;
      const tooLarge = Buffer.byteLength(html ?? "") + Buffer.byteLength(text ?? "") > maxPartsBytes;
      return {
        ...summary,
        messageId: parsed.messageId ?? null,
        cc: addresses(parsed.cc),
        html: tooLarge ? null : html,
        text: tooLarge ? null : text,
        tooLarge,
        path,
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []]
    .flat()
    .flatMap((group) => group.value.map((a) => a.address ?? ""))
    .filter(Boolean);
}
