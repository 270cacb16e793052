import type { NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import { type baseConfig, ConfigError } from "./config.ts";
import { type ServiceStarted, tellLauncher } from "./launcher.ts";
import { createLogger, type Logger } from "./logger.ts";
import { startMetricsServer } from "./metrics.ts";
import { connectNats, natsOptionsFrom } from "./nats.ts";
import { startTracing } from "./tracing.ts";

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

/** What a service's own start gives back to `runServiceProcess`. */
export interface StartedService {
  /** The service: stopped first when the process stops (it drains its work). */
  service: { stop(): Promise<void> };
  /** Its database, closed once the service stopped and the bus drained. */
  orm: { close(): Promise<void> };
  /** What to tell the launcher (npm start) once started. */
  started?: ServiceStarted;
}

/**
 * A service's `main`, the same for every service: loads its configuration, then starts its logger,
 * traces, metrics endpoint and bus connection, and lets `start` open its database and start the
 * service with them; stops them in the reverse order (the service, the bus, the database, traces
 * last, so the stop itself is traced) when a signal comes (`runUntilSignal`).
 */
export async function runServiceProcess<C extends z.output<typeof baseConfig>>(
  name: string,
  loadConfig: () => C,
  start: (basics: { config: C; log: Logger; nc: NatsConnection }) => Promise<StartedService>,
): Promise<void> {
  await runUntilSignal(async () => {
    const config = loadConfig();
    const log = createLogger(name, config.LOG_LEVEL);
    const tracing = startTracing({
      service: name,
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      sampleRatio: config.OTEL_TRACES_SAMPLE_RATIO,
    });
    const metrics = await startMetricsServer(name, config.METRICS_PORT, log);
    const nc = await connectNats(config.NATS_URL, name, log, natsOptionsFrom(config));
    const { service, orm, started } = await start({ config, log, nc });
    return {
      ...(started ? { started } : {}),
      graceSeconds: config.SHUTDOWN_GRACE_SECONDS,
      async stop() {
        await metrics?.close();
        await service.stop();
        await nc.drain();
        await orm.close();
        await tracing.stop();
      },
    };
  });
}
