import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { isStartedMessage, type StartedMessage } from "@licensing/platform";
import { testActorEnv } from "./actor-keys.ts";

const root = resolve(import.meta.dirname, "../../..");

/** How a service process ended after a signal: its exit code and how long it took. */
export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/** One service running as its own process, as `npm start` or a container runs it. */
export interface ServiceProcess {
  pid: number;
  /** What it told its launcher once started (its address, for an HTTP service). */
  started: StartedMessage;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` and resolves once the process has exited (SIGKILL after `killAfterMs`). */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<Exited>;
}

/**
 * Spawns `entry` (a path from the repository root, e.g. `services/issuer/src/main.ts`) with
 * `env` over the test's own, and waits until it says it has started (launcher.ts), as npm start does.
 */
export async function startServiceProcess(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  // It signs and trusts actor assertions as the test's own connections do (actor-keys.ts).
  const identity =
    /^services\/([a-z-]+)\//.exec(entry)?.[1] ?? (entry.includes("mail-catcher") ? "mailcatcher" : "");
  const child: ChildProcess = spawn(process.execPath, [resolve(root, entry)], {
    env: { ...process.env, LOCAL_INFRA: "", ...(identity ? testActorEnv(identity) : {}), ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let printed = "";
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const started = await new Promise<StartedMessage>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${entry} did not start in time:\n${printed}`)), timeoutMs);
    child.on("message", (message) => {
      if (!isStartedMessage(message)) return;
      clearTimeout(timer);
      done(message);
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`${entry} exited with ${code} before it started:\n${printed}`));
    });
  }).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  let stopping: Promise<Exited> | undefined;
  return {
    pid: child.pid!,
    started,
    output: () => printed,
    stop(signal = "SIGTERM", killAfterMs = 60_000) {
      stopping ??= (async () => {
        const signalledAt = Date.now();
        const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        child.kill(signal);
        const { code, signal: by } = await exited;
        clearTimeout(killer);
        return { code, signal: by, ms: Date.now() - signalledAt };
      })();
      return stopping;
    },
  };
}
