import type { Service, ServiceMsg } from "@nats-io/services";
import type { Logger } from "pino";
import type { RequestContext } from "../context.ts";
import type { Endpoint, RequestOf, ResponseOf } from "../endpoint.ts";
import { AppError } from "../errors.ts";
import { toFieldIssues } from "../schema.ts";
import { decodeUtf8Strictly, rejectUnsafeText } from "../text.ts";
import { contextFromHeaders } from "./headers.ts";

/** What a handler gets besides its request: who asks, under which request id, and a logger that says so. */
export interface HandlerContext extends RequestContext {
  log: Logger;
}

export type Handler<E extends Endpoint> = (
  request: RequestOf<E>,
  ctx: HandlerContext,
) => Promise<ResponseOf<E>>;

/** Turns a failure that is not an AppError into one when it is known (e.g. a lost database), else undefined. */
export type ErrorClassifier = (error: unknown) => AppError | undefined;

export interface EndpointServerOptions {
  service: Service;
  /** Deployment subject prefix, e.g. `lic`. */
  prefix: string;
  /** Queue group shared by the replicas of one service. */
  queue: string;
  log: Logger;
  classifyError?: ErrorClassifier;
}

/**
 * The one adapter every endpoint goes through: it validates the request, awaits the handler, turns
 * known failures into their codes and anything else into `internal` (logged), and always answers.
 * nats.js's service framework does not await handlers; this closes that gap and tracks what is in
 * flight so shutdown can wait for it.
 */
export class EndpointServer {
  readonly #options: EndpointServerOptions;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: EndpointServerOptions) {
    this.#options = options;
  }

  add<E extends Endpoint>(endpoint: E, handler: Handler<E>): this {
    const { service, prefix, queue, log } = this.#options;
    const subject = `${prefix}.${endpoint.subject}`;
    service.addEndpoint(endpoint.subject.replaceAll(".", "-"), {
      subject,
      queue,
      metadata: { summary: endpoint.summary },
      handler: (err, msg) => {
        if (err) {
          log.error({ err, subject }, "endpoint subscription failed");
          return;
        }
        const done = this.#answer(endpoint, handler, msg).finally(() => this.#inFlight.delete(done));
        this.#inFlight.add(done);
      },
    });
    return this;
  }

  /** Resolves once every request taken so far has been answered. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  async #answer<E extends Endpoint>(endpoint: E, handler: Handler<E>, msg: ServiceMsg): Promise<void> {
    const ctx = contextFromHeaders(msg.headers);
    const log = this.#options.log.child({ requestId: ctx.requestId, endpoint: endpoint.subject });
    try {
      const request = parseRequest(endpoint, msg);
      const response = await handler(request, { ...ctx, log });
      const body = JSON.stringify(response ?? null);
      try {
        msg.respond(body);
      } catch (error) {
        // The work is done (and stays done); say plainly why its answer cannot be sent.
        if (error instanceof Error && /max_payload/.test(error.message)) {
          throw new AppError(
            "payload_too_large",
            `The answer (${body.length} bytes) is larger than the message bus allows; ask for less at a time`,
          );
        }
        throw error;
      }
    } catch (error) {
      const appError = this.#toAppError(error, log);
      if (appError.code === "internal" || appError.code === "service_unavailable") {
        log.warn({ code: appError.code, msg: appError.message }, "request failed");
      }
      msg.respondError(
        appError.status,
        `${appError.code}: ${appError.message}`,
        JSON.stringify(appError.toBody(ctx.requestId)),
      );
    }
  }

  #toAppError(error: unknown, log: Logger): AppError {
    if (error instanceof AppError) return error;
    const known = this.#options.classifyError?.(error);
    if (known) return known;
    log.error({ err: error }, "unexpected error");
    return new AppError(
      "internal",
      "The service failed unexpectedly; the failure is logged under this request id",
    );
  }
}

function parseRequest<E extends Endpoint>(endpoint: E, msg: ServiceMsg): RequestOf<E> {
  let body: unknown;
  const text = decodeUtf8Strictly(msg.data);
  try {
    body = msg.data.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AppError("validation_failed", "The request body is not valid JSON");
  }
  // Text hygiene (text.ts): a NUL or a lone surrogate anywhere is refused before the schema.
  rejectUnsafeText(body);
  const result = endpoint.request.safeParse(body);
  if (!result.success) throw AppError.validation(toFieldIssues(result.error, endpoint.request));
  return result.data as RequestOf<E>;
}
