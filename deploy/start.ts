// `npm start`: the whole platform on one machine. Finds or starts PostgreSQL and NATS (see
// local-infra.ts), creates the `licensing` database, runs every service as its own process with its
// logs prettified and prefixed, waits until each says it has started and the gateway is ready,
// prints where the UI is, starts again a service that crashes (with backoff, the others serving on),
// and stops everything on Ctrl-C. A service says it has started over Node's
// IPC channel (runUntilSignal does it), never in its log: LOG_LEVEL=warn or silent must not keep
// the platform from coming up, nor the person at the terminal from seeing its addresses.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { isStartedMessage, type StartedMessage } from "@licensing/platform";
import { prettyFactory } from "pino-pretty";
import { developmentIdentities } from "./bus-identities.ts";
import { loadLauncherConfig } from "./config.ts";
import { developmentSecret, randomKek } from "./dev-secrets.ts";
import { distributionLaunch } from "./distribution-launch.ts";
import { gatewayLaunch } from "./gateway-launch.ts";
import { natsServerInstalled, startLocalBus } from "./local-bus.ts";
import { databaseUrlFor, ensureDatabase, resolveLocalInfra } from "./local-infra.ts";
import { notifierLaunch } from "./notifier-launch.ts";
import { gatewayRequiredServices, platformServices } from "./services.ts";
import { ensureUiBuilt } from "./ui-build.ts";

const root = resolve(import.meta.dirname, "..");
const say = (line: string) => console.log(`\x1b[1m[start]\x1b[0m ${line}`);

const launcher = (() => {
  try {
    return loadLauncherConfig();
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
})();
const embeddedOnly = launcher.LOCAL_INFRA === "embedded";
const prefix = process.env.SUBJECT_PREFIX || "lic";
// Each service's bus identity: its own actor key and NKey, generated once under .data/bus/.
// BUS_ACTOR_TRUSTED_KEYS, when set, adds keys to trust (a test's, signing as its gateway).
const busKeys = developmentIdentities(resolve(root, ".data/bus"), process.env.BUS_ACTOR_TRUSTED_KEYS);
// Where NATS_URL names no NATS, npm start runs its own with the bus identities and permissions, so
// the secure path is the one exercised every day (LOCAL_NATS=open: the open one, as before).
const secureBus =
  !process.env.NATS_URL && launcher.LOCAL_NATS === "secure" && natsServerInstalled()
    ? await startLocalBus(resolve(root, ".data"), prefix, busKeys, say).catch((error: unknown) => {
        console.error(`\n${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      })
    : undefined;
const infra = await resolveLocalInfra({
  dataDir: resolve(root, ".data"),
  tryContainers: false,
  embeddedOnly,
  ...(secureBus ? { nats: { url: secureBus.url, line: secureBus.line } } : {}),
  log: say,
}).catch(async (error: unknown) => {
  await secureBus?.stop();
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
for (const line of infra.description) say(line);

let databaseUrl = embeddedOnly ? undefined : process.env.DATABASE_URL;
if (!databaseUrl) {
  await ensureDatabase(infra.databaseUrl, "licensing");
  databaseUrl = databaseUrlFor(infra.databaseUrl, "licensing");
}
const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  NATS_URL: infra.natsUrl,
  SUBJECT_PREFIX: prefix,
  ISSUER_KEK: process.env.ISSUER_KEK || developmentKek(),
  NOTIFIER_KEK: process.env.NOTIFIER_KEK || developmentSecretFile("notifier-kek", "NOTIFIER_KEK"),
  // `npm run migrate -- studio --from ./exports` names exports from the repository: the migration
  // service takes them from its root (and refuses any outside it).
  MIGRATION_ROOT: process.env.MIGRATION_ROOT || root,
  // Release artifacts (issue 18): the gateway writes uploads there, distribution serves them.
  ARTIFACT_DIR: process.env.ARTIFACT_DIR || resolve(root, ".data/artifacts"),
};
const notifier = await notifierLaunch(resolve(root, ".data"), process.env, say);
Object.assign(env, notifier.env);

function developmentSecretFile(name: string, variable: string): string {
  const path = resolve(root, ".data", name);
  const { value, created } = developmentSecret(path, randomKek);
  say(`${created ? "Created" : "Using"} the development key ${path} (set ${variable} in production)`);
  return value;
}

function developmentKek(): string {
  const path = resolve(root, ".data/issuer-kek");
  const { value, created } = developmentSecret(path, randomKek);
  say(
    `${created ? "Created" : "Using"} the development key-encryption key ${path} (set ISSUER_KEK in production)`,
  );
  return value;
}

try {
  ensureUiBuilt(root, say);
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  await infra.stop();
  await secureBus?.stop();
  process.exit(1);
}

const gateway = gatewayLaunch(resolve(root, ".data"), gatewayRequiredServices(), env);

const distribution = distributionLaunch();
const children = new Map<string, ChildProcess>();
/** Services that have said they started at least once: from then on, a crash restarts them. */
const everStarted = new Set<string>();
const pendingRestarts = new Set<NodeJS.Timeout>();
let stopping = false;
const starting = new Set<string>(platformServices.map((s) => s.name));
let everyServiceStarted: () => void = () => {};
const started = new Promise<void>((resolve) => {
  everyServiceStarted = resolve;
});
const onStarted: Record<string, (message: StartedMessage) => void> = {
  gateway: gateway.onStarted,
  distribution: distribution.onStarted,
};

for (const service of platformServices) launch(service);

/**
 * Starts one service and supervises it. A service that dies after it has started is started again,
 * after 1 s, then 2, 4… up to 30 s while it keeps dying (the delay goes back to 1 s once it has run a
 * minute), and the others keep serving meanwhile. One that dies before it ever started (a wrong
 * setting, a port taken) stops the platform: starting it again would fail the same way.
 */
function launch(service: (typeof platformServices)[number], restarts = 0): void {
  const child = spawn(process.execPath, [resolve(root, service.entry)], {
    env: {
      ...env,
      ...(service.name === "gateway" ? gateway.env : {}),
      ...busKeys.env(service.name, secureBus !== undefined),
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const launchedAt = Date.now();
  children.set(service.name, child);
  child.on("message", (message) => {
    if (!isStartedMessage(message)) return;
    onStarted[service.name]?.(message);
    everStarted.add(service.name);
    if (restarts > 0) say(`${service.name} is back (pid ${child.pid})`);
    starting.delete(service.name);
    if (starting.size === 0) everyServiceStarted();
  });
  prettify(service.name, child);
  child.on("exit", (code, signal) => {
    if (children.get(service.name) === child) children.delete(service.name);
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!everStarted.has(service.name)) {
      say(`${service.name} exited before it started (${how}); stopping the platform`);
      void stopAll(1);
      return;
    }
    const ranLong = Date.now() - launchedAt > 60_000;
    const attempt = ranLong ? 0 : restarts;
    const delayMs = Math.min(1_000 * 2 ** attempt, 30_000);
    say(`${service.name} exited unexpectedly (${how}); starting it again in ${delayMs / 1_000} s`);
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) launch(service, attempt + 1);
    }, delayMs);
    pendingRestarts.add(timer);
  });
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));
// Whatever happens to the launcher, it takes its services with it.
process.on("exit", () => {
  for (const child of children.values()) child.kill("SIGKILL");
});

try {
  await waitUntilStarted(120_000);
  await gateway.ready();
} catch (error) {
  say(`The platform did not come up: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
say("The platform is up:");
say(`  PostgreSQL database  ${databaseUrl.replace(/\/\/([^:/@]+):[^@]+@/, "//$1:***@")}`);
say(
  `  NATS                 ${infra.natsUrl} (subjects ${prefix}.<service>.<entity>.<verb>, events ${prefix}.evt.>)`,
);
for (const [name, child] of children) say(`  ${name.padEnd(20)} pid ${child.pid}`);
for (const line of gateway.summary()) say(`  ${line}`);
for (const line of distribution.summary()) say(`  ${line}`);
for (const line of notifier.summary()) say(`  ${line}`);
say(
  `  Migration exports    read from ${env.MIGRATION_ROOT} (MIGRATION_ROOT; a run's location is relative to it)`,
);
say(`Try it: npm run bus -- catalog.account.create '{"type":"customer","name":"Acme"}'`);
say("Press Ctrl-C to stop everything. A service that crashes is started again; the others keep serving.");

/** Resolves once every service has said it started; throws, naming the others, after `timeoutMs`. */
async function waitUntilStarted(timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still starting: ${[...starting].join(", ")}`)), timeoutMs);
  });
  try {
    await Promise.race([started, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const timer of pendingRestarts) clearTimeout(timer);
  say("Stopping…");
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          // A service exits by itself within its grace; this is for one that cannot.
          const kill = setTimeout(() => child.kill("SIGKILL"), (launcher.SHUTDOWN_GRACE_SECONDS + 5) * 1_000);
          child.once("exit", () => {
            clearTimeout(kill);
            done();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await infra.stop();
  await secureBus?.stop();
  say("Stopped.");
  process.exit(code);
}

/** Shows a service's JSON log lines readably, prefixed with its name. */
function prettify(name: string, child: ChildProcess): void {
  const pretty = prettyFactory({
    colorize: process.stdout.isTTY,
    ignore: "pid,hostname,service",
    translateTime: "HH:MM:ss",
  });
  const tag = `\x1b[36m[${name}]\x1b[0m`;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      const text = line.startsWith("{") ? pretty(line).trimEnd() : line;
      for (const part of text.split("\n")) console.log(`${tag} ${part}`);
    });
  }
}
