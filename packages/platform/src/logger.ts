import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** The service's root logger: JSON lines on stdout, one field naming the service. */
export function createLogger(service: string, level = "info"): Logger {
  return pino({
    level,
    base: { service },
    // Never log what could carry a secret, however it got into a log call.
    redact: { paths: ["*.password", "*.privateKey", "*.secret", "*.token", "*.kek"], censor: "[redacted]" },
  });
}
