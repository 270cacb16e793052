import { ConfigError } from "./config.ts";
import { type ServiceStarted, tellLauncher } from "./launcher.ts";

export interface Stoppable {
  stop(): Promise<void>;
  /** What to tell the launcher (npm start) once started, beside the fact (see launcher.ts). */
  started?: ServiceStarted;
}

/**
 * Runs a service's `main` until SIGINT or SIGTERM, then stops it gracefully. Once started, it tells
 * the launcher so, if there is one (not through the log, which LOG_LEVEL may silence). A
 * configuration error is printed as it is (it names the variable) and exits with status 2; any
 * other start-up failure with status 1. A second signal while stopping exits at once.
 */
export async function runUntilSignal(start: () => Promise<Stoppable>): Promise<void> {
  let running: Stoppable;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error("Start-up failed:", error);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    try {
      await running.stop();
      process.exit(0);
    } catch (error) {
      console.error(`Stopping after ${signal} failed:`, error);
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  tellLauncher(running.started ?? {});
}
