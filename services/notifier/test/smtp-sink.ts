// A real SMTP server for the tests (smtp-server), keeping each message it accepts, parsed by
// mailparser. It can refuse the first transactions (a mail server that is down or busy) and require
// a login.
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CaughtMessage {
  parsed: ParsedMail;
  raw: string;
  envelope: { from: string; to: string[] };
}

export interface SmtpSink {
  port: number;
  messages: CaughtMessage[];
  /** Transactions refused so far. */
  refused: number;
  /** Refuse the next `n` transactions with a temporary failure. */
  refuseNext(n: number): void;
  /** Resolves once `n` messages have arrived (fails after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<CaughtMessage[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(
  options: { auth?: { user: string; pass: string } } = {},
): Promise<SmtpSink> {
  const messages: CaughtMessage[] = [];
  let refusals = 0;
  const sink = {
    port: 0,
    messages,
    refused: 0,
    refuseNext(n: number) {
      refusals = n;
    },
    async waitFor(n: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass)
        callback(null, { user: auth.username });
      else callback(Object.assign(new Error("Authentication failed"), { responseCode: 535 }));
    },
    onMailFrom(_address, _session, callback) {
      if (refusals > 0) {
        refusals--;
        sink.refused++;
        callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              parsed,
              raw,
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                to: session.envelope.rcptTo.map((r) => r.address),
              },
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  sink.port = (server.server.address() as AddressInfo).port;
  return sink;
}
