import { type DestinationStream, type Logger, pino } from "pino";
import { activeTraceIds } from "./tracing.ts";

export type { Logger } from "pino";

const noIds = {};

/**
 * The service's root logger: JSON lines on stdout (or `destination`), one field naming the service,
 * and `trace_id`/`span_id` on every line written while a span is active (tracing.ts), beside the
 * `requestId` the request's child logger carries: a line leads to its trace and back.
 */
export function createLogger(service: string, level = "info", destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service },
    mixin: () => activeTraceIds() ?? noIds,
    // Never log what could carry a secret, however it got into a log call.
    redact: {
      paths: [
        "*.password",
        "*.temporaryPassword",
        "*.privateKey",
        "*.licenseKey",
        "*.secret",
        "*.token",
        "*.kek",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
