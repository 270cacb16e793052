import { ConfigError } from "./config.ts";
import { type ServiceStarted, tellLauncher } from "./launcher.ts";

export interface Stoppable {
  /** Drains: stops taking work, finishes what is in flight, closes connections. */
  stop(): Promise<void>;
  /** The longest `stop` may take (SHUTDOWN_GRACE_SECONDS); past it the process exits with status 1. */
  graceSeconds: number;
  /** What to tell the launcher (npm start) once started, beside the fact (see launcher.ts). */
  started?: ServiceStarted;
}

/**
 * Runs a service's `main` until SIGINT or SIGTERM, then drains it: status 0 once `stop` finished,
 * 1 if it failed or outlasted the grace period (an orchestrator would SIGKILL it soon after anyway;
 * exiting first says why in the log). Once started, it tells the launcher so, if there is one (not
 * through the log, which LOG_LEVEL may silence). A configuration error is printed as it is (it names
 * the variable) and exits with status 2; any other start-up failure with status 1. A second signal
 * while stopping exits at once.
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
    const { graceSeconds } = running;
    setTimeout(() => {
      console.error(`Stopping after ${signal} took over SHUTDOWN_GRACE_SECONDS=${graceSeconds}: exiting`);
      process.exit(1);
    }, graceSeconds * 1_000).unref();
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
