import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { testActorEnv } from "./actor-keys.ts";
import { freePort } from "./free-port.ts";
import { createTestEnv, type TestEnv } from "./test-env.ts";

/** The platform as `npm start` runs it, on a test file's own database and subject prefix. */
export interface StartedPlatform {
  env: TestEnv;
  /** Everything the launcher printed so far. */
  output(): string;
  /** Where the gateway serves the UI and API, as printed. */
  uiUrl: string;
  /** Where the distribution service serves products, as printed. */
  distributionUrl: string;
  /** SIGTERM to the launcher; resolves with its exit code (the same promise when called again). */
  stop(): Promise<number | null>;
}

const launcherPath = resolve(import.meta.dirname, "../../../deploy/start.ts");

/**
 * Runs `deploy/start.ts` (what `npm start` runs) as its own process, with any free ports, and waits
 * until it has printed that the platform is up and what it started. `env` adds or overrides
 * variables (e.g. GATEWAY_ADMIN_PASSWORD, LOG_LEVEL).
 */
export async function startPlatform(
  env: Record<string, string> = {},
  timeoutMs = 150_000,
): Promise<StartedPlatform> {
  const test = await createTestEnv();
  let printed = "";
  const launcher: ChildProcess = spawn(process.execPath, [launcherPath], {
    env: {
      ...process.env,
      DATABASE_URL: test.databaseUrl,
      NATS_URL: test.natsUrl,
      SUBJECT_PREFIX: test.prefix,
      LOCAL_INFRA: "",
      GATEWAY_PORT: "0",
      DISTRIBUTION_PORT: "0",
      // Not npm start's 2525: platforms of test files running side by side would race for it.
      MAIL_CATCHER_PORT: String(await freePort()),
      // The test's own connection signs as a gateway: the platform trusts its key too.
      BUS_ACTOR_TRUSTED_KEYS: testActorEnv("gateway").BUS_ACTOR_TRUSTED_KEYS!,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [launcher.stdout, launcher.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
  }
  const deadline = Date.now() + timeoutMs;
  // The summary's last line: the addresses are all printed by then (they come in several writes).
  while (!printed.includes("Press Ctrl-C to stop everything.")) {
    if (Date.now() > deadline || launcher.exitCode !== null) {
      launcher.kill("SIGKILL");
      await test.stop();
      throw new Error(`npm start did not come up:\n${printed}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = (label: string) => {
    const found = new RegExp(`${label}\\s+(http://[^\\s]+?)(/v1)?\\s`).exec(printed);
    if (!found) throw new Error(`npm start printed no ${label} address:\n${printed}`);
    return found[1]!;
  };
  let stopping: Promise<number | null> | undefined;
  return {
    env: test,
    output: () => printed,
    uiUrl: url("UI and API"),
    distributionUrl: url("Distribution API"),
    stop() {
      stopping ??= (async () => {
        let code = launcher.exitCode;
        if (code === null) {
          const exited = new Promise<number | null>((done) => launcher.once("exit", (c) => done(c)));
          launcher.kill("SIGTERM");
          code = await exited;
        }
        await test.stop();
        return code;
      })();
      return stopping;
    },
  };
}
