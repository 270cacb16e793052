// Rotating NOTIFIER_KEK: the SMTP password sealed under A (as the code before key ids wrote it),
// the notifier restarted with B current and A previous, `npm run kek:rotate`, then B alone.
import { spawnSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { notifier } from "@licensing/contracts";
import { execute, type Orm, queryOne, tableName } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifierSealedBox } from "../src/domain/sealed-values.ts";
import { passwordPurpose } from "../src/domain/settings.ts";
import { createNotifierService, type NotifierService, openNotifierDatabase } from "../src/service.ts";
import { actors, as, type Platform, startPlatform } from "./notifier-harness.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";

const [kekA, kekB] = [randomBytes(32), randomBytes(32)];
const password = "rotated-Pa55word-for-smtp";
const rotateCommand = resolve(import.meta.dirname, "../src/kek-rotate.ts");
let platform: Platform;
let authSmtp: SmtpSink;
let running: { service: NotifierService; orm: Orm } | undefined;
let sent = 0;

async function startNotifierWith(kek: Buffer, previousKeks: Buffer[] = []): Promise<void> {
  await stopNotifier();
  const orm = await openNotifierDatabase(platform.env.databaseUrl, platform.env.log);
  const service = createNotifierService({
    nc: await platform.env.connect("notifier"),
    orm,
    prefix: platform.env.prefix,
    log: platform.notifierLog,
    kek,
    previousKeks,
    seed: { uiUrl: "https://licensing.example.test", fromAddress: "licensing@example.test" },
    now: platform.clock.now,
  });
  await service.start();
  running = { service, orm };
}

async function stopNotifier(): Promise<void> {
  await running?.service.stop();
  await running?.orm.close();
  running = undefined;
}

/** The SMTP server accepts the stored password: the notifier opened it. */
async function expectPasswordWorks(): Promise<void> {
  const answer = await platform.env.bus.request(notifier.sendTest, {}, as(actors.admin));
  expect(answer.accepted).toEqual(["ops@example.test"]);
  await authSmtp.waitFor(++sent);
}

async function storedPassword(): Promise<Buffer> {
  const orm = running!.orm;
  const row = await queryOne<{ sealed: Buffer }>(
    orm,
    `SELECT smtp_password_enc AS sealed FROM ${tableName(orm.em, "settings")}`,
  );
  return row!.sealed;
}

function runRotateCommand(kek: Buffer, previousKeks: Buffer[]): string {
  const run = spawnSync(process.execPath, [rotateCommand], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: platform.env.databaseUrl,
      NOTIFIER_KEK: kek.toString("base64"),
      NOTIFIER_KEK_PREVIOUS: previousKeks.map((k) => k.toString("base64")).join(","),
      LOG_LEVEL: "warn",
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout + run.stderr).not.toContain(password);
  return run.stdout;
}

beforeAll(async () => {
  platform = await startPlatform({ clock: "2031-06-15T06:00:00Z" });
  authSmtp = await startSmtpSink({ auth: { user: "mailer", pass: password } });
});
afterAll(async () => {
  await stopNotifier();
  await authSmtp?.close();
  await platform?.stop();
});

describe("rotating NOTIFIER_KEK", () => {
  it("opens a password sealed under A before key ids, with B current and A previous", async () => {
    await startNotifierWith(kekA);
    await platform.env.bus.request(
      notifier.updateSettings,
      {
        recipients: ["ops@example.test"],
        smtp: { host: "127.0.0.1", port: authSmtp.port, security: "none", username: "mailer", password },
      },
      as(actors.admin),
    );
    await expectPasswordWorks();
    // As deployed databases hold it: nonce ‖ ciphertext ‖ tag, no key id.
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", kekA, nonce);
    cipher.setAAD(Buffer.from(passwordPurpose));
    const legacy = Buffer.concat([nonce, cipher.update(password), cipher.final(), cipher.getAuthTag()]);
    await execute(
      running!.orm,
      `UPDATE ${tableName(running!.orm.em, "settings")} SET smtp_password_enc = $1`,
      [legacy],
    );
    await startNotifierWith(kekB, [kekA]);
    await expectPasswordWorks();
    expect(notifierSealedBox(kekB).isCurrent(await storedPassword())).toBe(false);
  });

  it("reseals it under B with `npm run kek:rotate`; B alone then opens it; a second run changes nothing", async () => {
    expect(runRotateCommand(kekB, [kekA])).toContain("SMTP passwords: 1 resealed of 1");
    await startNotifierWith(kekB);
    expect(notifierSealedBox(kekB).isCurrent(await storedPassword())).toBe(true);
    await expectPasswordWorks();
    expect(runRotateCommand(kekB, [kekA])).toContain("SMTP passwords: 0 resealed of 1");
  });
});
