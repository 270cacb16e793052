// `npm start`'s mail catcher, its own process like every service: MAIL_CATCHER_PORT (default 2525)
// on 127.0.0.1, messages under MAIL_CATCHER_DIR (default .data/mail of this repository).
import { connectNats, createLogger, loadConfig, natsOptionsFrom, runUntilSignal } from "@licensing/platform";
import { startMailCatcher } from "./catcher.ts";
import { mailCatcherConfig } from "./config.ts";
import { createMailCatcherService } from "./service.ts";

await runUntilSignal(async () => {
  const config = loadConfig(mailCatcherConfig);
  const log = createLogger("mailcatcher", config.LOG_LEVEL);
  const catcher = await startMailCatcher({
    directory: config.MAIL_CATCHER_DIR,
    port: config.MAIL_CATCHER_PORT,
    onMessage: (mail) => log.info({ id: mail.id, to: mail.to, subject: mail.subject }, "mail caught"),
  });
  const nc = await connectNats(config.NATS_URL, "mailcatcher", log, natsOptionsFrom(config));
  const service = createMailCatcherService({ nc, prefix: config.SUBJECT_PREFIX, log, catcher });
  await service.start();
  log.info(
    { smtp: `${catcher.host}:${catcher.port}`, directory: catcher.directory },
    `mail catcher listening on smtp://${catcher.host}:${catcher.port}, saving to ${catcher.directory}`,
  );
  return {
    graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
    async stop() {
      await service.stop();
      await catcher.close();
      await nc.drain();
    },
  };
});
