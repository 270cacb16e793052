import {
  AppError,
  contextHeaders,
  decodeUtf8Strictly,
  type Endpoint,
  newId,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
  rejectUnsafeText,
  toFieldIssues,
} from "@licensing/contracts";
import type { Service, ServiceMsg } from "@nats-io/services";
import { type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { SpanKind } from "@opentelemetry/api";
import type { Logger } from "pino";
import { ActorAssertionError, actorKeysOf } from "./actor-assertion.ts";
import { BodyStore, MAX_BODY_BYTES } from "./bodies.ts";
import { contextFromHeaders } from "./headers.ts";
import { busTracer, endSpan, extractTraceContext } from "./trace.ts";

const encoder = new TextEncoder();

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
  /** The connection the service runs on: large request and answer bodies travel by reference over it. */
  nc: NatsConnection;
  /** Deployment subject prefix, e.g. `lic`. */
  prefix: string;
  /** Queue group shared by the replicas of one service. */
  queue: string;
  log: Logger;
  classifyError?: ErrorClassifier;
  /** Told of every answer: the endpoint's subject, `ok` or the error code, and the seconds it took. */
  observe?: (endpoint: string, code: string, seconds: number) => void;
}

/**
 * The one adapter every endpoint goes through: it validates the request, awaits the handler, turns
 * known failures into their codes and anything else into `internal` (logged), and always answers.
 * nats.js's service framework does not await handlers; this closes that gap and tracks what is in
 * flight so shutdown can wait for it.
 */
export class EndpointServer {
  readonly #options: EndpointServerOptions;
  readonly #bodies: BodyStore;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: EndpointServerOptions) {
    this.#options = options;
    this.#bodies = new BodyStore(options.nc, options.prefix, "messages");
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

  /** Answers under a server span, the child of the caller's span when its headers carry one. */
  #answer<E extends Endpoint>(endpoint: E, handler: Handler<E>, msg: ServiceMsg): Promise<void> {
    let ctx: RequestContext;
    let refused: ActorAssertionError | undefined;
    try {
      ctx = contextFromHeaders(msg.headers, actorKeysOf(this.#options.nc));
    } catch (error) {
      if (!(error instanceof ActorAssertionError)) throw error;
      // Answered unauthorized below, under the request id it came with (the log names it).
      refused = error;
      ctx = { requestId: msg.headers?.get(contextHeaders.requestId) || newId("request") };
    }
    const attributes = {
      "rpc.system": "nats",
      "rpc.method": endpoint.subject,
      "lic.request_id": ctx.requestId,
    };
    return busTracer().startActiveSpan(
      endpoint.subject,
      { kind: SpanKind.SERVER, attributes },
      extractTraceContext(msg.headers),
      async (span) => endSpan(span, await this.#answerIn(endpoint, handler, msg, ctx, refused)),
    );
  }

  /** Answers the request; returns the outcome (`ok` or the error code). */
  async #answerIn<E extends Endpoint>(
    endpoint: E,
    handler: Handler<E>,
    msg: ServiceMsg,
    ctx: RequestContext,
    refused?: ActorAssertionError,
  ): Promise<string> {
    // The request's logger is made when something logs, which most requests never do: a pino
    // child (its bindings serialized, its redaction set up) was a cost of every request.
    let requestLog: Logger | undefined;
    const log = () =>
      (requestLog ??= this.#options.log.child({ requestId: ctx.requestId, endpoint: endpoint.subject }));
    let answer: { ref?: string } | undefined;
    const startedAt = performance.now();
    let code = "ok";
    try {
      if (refused) {
        log().warn(
          { reason: refused.reason, signer: refused.signer, subject: msg.subject },
          "refused a request: its actor assertion is not valid",
        );
        // Its body is not read, so one stored by reference is left to the bucket's expiry.
        throw refused;
      }
      const request = await this.#parseRequest(endpoint, msg);
      const response = await handler(request, {
        ...ctx,
        get log() {
          return log();
        },
      });
      const json = JSON.stringify(response ?? null);
      const data = encoder.encode(json);
      // Too large is the store's to say (payload_too_large); parsing 64 MiB first would only be slower.
      if (data.length <= MAX_BODY_BYTES) checkAnswer(endpoint, json, log);
      const body = await this.#bodies.putBytes(data, `answer of ${endpoint.subject}`);
      answer = body;
      msg.respond(body.data, body.ref ? { headers: body.annotate(natsHeaders()) } : undefined);
    } catch (error) {
      void this.#bodies.discard(answer?.ref);
      const appError = this.#toAppError(error, log);
      code = appError.code;
      if (appError.code === "internal" || appError.code === "service_unavailable") {
        log().warn({ code: appError.code, msg: appError.message }, "request failed");
      }
      msg.respondError(
        appError.status,
        `${appError.code}: ${appError.message}`,
        JSON.stringify(appError.toBody(ctx.requestId)),
      );
    } finally {
      this.#options.observe?.(endpoint.subject, code, (performance.now() - startedAt) / 1_000);
    }
    return code;
  }

  async #parseRequest<E extends Endpoint>(endpoint: E, msg: ServiceMsg): Promise<RequestOf<E>> {
    let body: unknown;
    const bytes = await this.#bodies.read(msg, `request to ${endpoint.subject}`, { consume: true });
    const text = decodeUtf8Strictly(bytes);
    try {
      body = bytes.length === 0 ? {} : JSON.parse(text);
    } catch {
      throw new AppError("validation_failed", "The request body is not valid JSON");
    }
    // Text hygiene (text.ts): a NUL or a lone surrogate anywhere is refused before the schema.
    rejectUnsafeText(body);
    const result = endpoint.request.safeParse(body);
    if (!result.success) throw AppError.validation(toFieldIssues(result.error, endpoint.request));
    return result.data as RequestOf<E>;
  }

  #toAppError(error: unknown, log: () => Logger): AppError {
    if (error instanceof AppError) return error;
    const known = this.#options.classifyError?.(error);
    if (known) return known;
    log().error({ err: error }, "unexpected error");
    return new AppError(
      "internal",
      "The service failed unexpectedly; the failure is logged under this request id",
    );
  }
}

/**
 * An answer that breaks its endpoint's contract is the service's failure, never the caller's: it is
 * `internal`, logged with the issues (which name fields, not values), and the body is not sent. It is
 * checked as JSON, as the caller will read it (a Date the handler returned is a string by then).
 */
function checkAnswer(endpoint: Endpoint, json: string, log: () => Logger): void {
  const result = endpoint.response.safeParse(JSON.parse(json));
  if (result.success) return;
  log().error(
    { issues: toFieldIssues(result.error, endpoint.response) },
    "the answer does not match the endpoint's response schema; answered internal",
  );
  throw new AppError(
    "internal",
    "The service's answer does not match its contract; the failure is logged under this request id",
  );
}
