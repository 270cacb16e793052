// What `npm start` does for the notifier beyond running it (start.ts makes its development key): the
// mail catcher on a free port (2525 unless taken or MAIL_CATCHER_PORT says otherwise), the
// notifier's first SMTP settings pointing at it and its links at the gateway, and a line saying
// where mail goes.
import { createServer } from "node:net";
import { resolve } from "node:path";

export interface NotifierLaunch {
  /** Variables the notifier and the catcher get on top of the platform's. */
  env: Record<string, string>;
  /** What to print once the platform is up. */
  summary(): string[];
}

export async function notifierLaunch(
  dataDir: string,
  env: Record<string, string | undefined>,
  say: (line: string) => void,
): Promise<NotifierLaunch> {
  const wanted = Number(env.MAIL_CATCHER_PORT || 2525);
  const port = (await isFree(wanted)) ? wanted : await anyFreePort();
  if (port !== wanted)
    say(
      `Port ${wanted} is taken: the mail catcher listens on ${port} (the notifier's SMTP settings, if saved before, may need it)`,
    );
  const directory = env.MAIL_CATCHER_DIR || resolve(dataDir, "mail");
  const smtp = env.NOTIFIER_SMTP_URL || `smtp://127.0.0.1:${port}?tls=none`;
  // The digest's links go to the gateway npm start runs (a port picked at random is not known yet).
  const gatewayPort = env.GATEWAY_PORT && env.GATEWAY_PORT !== "0" ? env.GATEWAY_PORT : "8080";
  const uiUrl = env.NOTIFIER_UI_URL || env.GATEWAY_PUBLIC_URL || `http://localhost:${gatewayPort}`;
  return {
    env: {
      MAIL_CATCHER_PORT: String(port),
      MAIL_CATCHER_DIR: directory,
      NOTIFIER_SMTP_URL: smtp,
      NOTIFIER_UI_URL: uiUrl,
    },
    summary: () => [
      `Mail catcher         smtp://127.0.0.1:${port}, saved as .eml under ${directory}`,
      "                     (Settings → Notifications: the digest's settings, preview, test email and the caught mail)",
    ],
  };
}

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
