import {
  AppError,
  type Endpoint,
  isErrorCode,
  parseOrThrow,
  type RequestContext,
  type RequestIn,
  type ResponseOf,
} from "@licensing/contracts";
import { ServiceError } from "@nats-io/services";
import { errors, type NatsConnection } from "@nats-io/transport-node";
import { SpanKind } from "@opentelemetry/api";
import { actorKeysOf } from "./actor-assertion.ts";
import { BodyStore } from "./bodies.ts";
import { contextToHeaders } from "./headers.ts";
import { busTracer, endSpan, injectTraceContext } from "./trace.ts";

export interface BusClientOptions {
  /** Deployment subject prefix, e.g. `lic`. */
  prefix: string;
  /** Default time to wait for an answer. */
  timeoutMs?: number;
}

export interface CallOptions {
  ctx?: RequestContext;
  timeoutMs?: number;
}

/**
 * Typed requests over the bus. The request is validated before it leaves and the answer when it
 * arrives; every failure (an error answer, no service listening, no answer in time) is an AppError.
 * A request or answer too large for one message travels by reference (bodies.ts).
 */
export class BusClient {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #bodies: BodyStore;

  constructor(nc: NatsConnection, options: BusClientOptions) {
    this.#nc = nc;
    this.#prefix = options.prefix;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#bodies = new BodyStore(nc, options.prefix, "messages");
  }

  /** Sends the request under a client span whose context travels in the headers (trace.ts). */
  request<E extends Endpoint>(
    endpoint: E,
    request: RequestIn<E>,
    options: CallOptions = {},
  ): Promise<ResponseOf<E>> {
    const attributes = { "rpc.system": "nats", "rpc.method": endpoint.subject };
    return busTracer().startActiveSpan(
      endpoint.subject,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        let code = "ok";
        try {
          return await this.#request(endpoint, request, options);
        } catch (error) {
          code = error instanceof AppError ? error.code : "internal";
          throw error;
        } finally {
          endSpan(span, code);
        }
      },
    );
  }

  async #request<E extends Endpoint>(
    endpoint: E,
    request: RequestIn<E>,
    options: CallOptions,
  ): Promise<ResponseOf<E>> {
    const body = parseOrThrow(endpoint.request, request);
    const subject = `${this.#prefix}.${endpoint.subject}`;
    const timeout = options.timeoutMs ?? this.#timeoutMs;
    // Signed before anything is stored: a caller that may not send this actor sends nothing.
    const headers = contextToHeaders(options.ctx, actorKeysOf(this.#nc), endpoint.service);
    const outgoing = await this.#bodies.put(body, `request to ${endpoint.subject}`);
    let reply: Awaited<ReturnType<NatsConnection["request"]>>;
    try {
      reply = await this.#nc.request(subject, outgoing.data, {
        timeout,
        headers: injectTraceContext(outgoing.annotate(headers)),
      });
    } catch (error) {
      // Nobody took the request: nobody will read its stored body either.
      void this.#bodies.discard(outgoing.ref);
      throw unreachable(endpoint, error, timeout);
    }
    if (ServiceError.isServiceError(reply))
      throw errorFromReply(reply.data, reply.headers?.get("Nats-Service-Error"));
    const answer = await this.#bodies.readJson(reply, `answer of ${endpoint.subject}`, { consume: true });
    try {
      return parseOrThrow(endpoint.response, answer, `answer from ${endpoint.subject}`) as ResponseOf<E>;
    } catch (error) {
      // The service's failure (or a release answering another contract), never the caller's request.
      if (error instanceof AppError && error.code === "validation_failed")
        throw new AppError("internal", error.message, error.details);
      throw error;
    }
  }
}

function unreachable(endpoint: Endpoint, error: unknown, timeout: number): AppError {
  const cause = error instanceof Error ? error.cause : undefined;
  // The NATS server refused this identity the subject (bus-permissions.ts): the caller may not ask.
  if (error instanceof errors.PermissionViolationError || cause instanceof errors.PermissionViolationError) {
    return new AppError(
      "forbidden",
      `This bus identity may not call ${endpoint.subject} (the NATS server refused it the subject)`,
    );
  }
  if (
    error instanceof errors.NoRespondersError ||
    cause instanceof errors.NoRespondersError ||
    (error instanceof errors.RequestError && error.isNoResponders())
  ) {
    return new AppError(
      "service_unavailable",
      `The ${endpoint.service} service is not running (no one answers ${endpoint.subject})`,
    );
  }
  if (error instanceof errors.TimeoutError || cause instanceof errors.TimeoutError) {
    return new AppError(
      "service_unavailable",
      `The ${endpoint.service} service did not answer ${endpoint.subject} within ${timeout} ms`,
    );
  }
  return new AppError(
    "service_unavailable",
    `The message bus is unavailable: ${error instanceof Error ? error.message : String(error)}`,
  );
}

function errorFromReply(data: Uint8Array, description: string | undefined): AppError {
  try {
    const body = JSON.parse(new TextDecoder().decode(data)) as {
      code?: unknown;
      message?: unknown;
      details?: unknown;
    };
    if (isErrorCode(body.code) && typeof body.message === "string") {
      return new AppError(body.code, body.message, body.details as AppError["details"]);
    }
  } catch {
    // fall through: a service error without our body (e.g. from a foreign responder)
  }
  return new AppError("internal", description || "The service answered with an error it did not describe");
}
