import type { FastifyBaseLogger, FastifyLogFn as LogFn } from "fastify";
import type { Bindings, ChildLoggerOptions } from "pino";

/**
 * A request's logger, made only when something logs at an enabled level. Fastify gives every
 * request a child of the service's logger (bound to its request id); a pino child serializes its
 * bindings and sets up its redaction as it is made, about 4 % of what a license download costs, and
 * most requests never log (the access log writes nothing for a success below debug). This one
 * answers the level from its parent and makes the child on the first line that will be written.
 */
class RequestLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#made().level = level;
  }

  fatal: LogFn = (...args: unknown[]) => this.#write("fatal", args);
  error: LogFn = (...args: unknown[]) => this.#write("error", args);
  warn: LogFn = (...args: unknown[]) => this.#write("warn", args);
  info: LogFn = (...args: unknown[]) => this.#write("info", args);
  debug: LogFn = (...args: unknown[]) => this.#write("debug", args);
  trace: LogFn = (...args: unknown[]) => this.#write("trace", args);
  silent: LogFn = () => {};

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options);
  }

  #write(level: "fatal" | "error" | "warn" | "info" | "debug" | "trace", args: unknown[]): void {
    if (this.#child === undefined && this.#options.level === undefined && !enabled(this.#parent, level))
      return;
    (this.#made()[level] as (...a: unknown[]) => void)(...args);
  }

  #made(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }
}

/** Whether `logger` writes lines of `level` (pino's `isLevelEnabled`; any other logger: yes). */
function enabled(logger: FastifyBaseLogger, level: string): boolean {
  const check = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return check ? check.call(logger, level) : true;
}

/** Fastify's `childLoggerFactory`: each request's logger, made when it first writes a line. */
export function requestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}
