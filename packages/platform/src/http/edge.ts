import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { AppError, newId } from "@licensing/contracts";
import {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";
import { observeHttpRequest } from "../metrics.ts";
import { HttpDrain } from "./drain.ts";
import { installErrorHandler, sendError } from "./errors.ts";
import { apiContentSecurityPolicy, installSecurityHeaders, type SecurityHeaderOptions } from "./headers.ts";
import { installJsonBodyParser } from "./json-body.ts";
import { requestLoggerFactory } from "./request-logger.ts";
import { installRequestTracing } from "./tracing.ts";
import { installRequestHygiene, validatorCompiler } from "./validation.ts";

export interface HttpEdgeOptions extends SecurityHeaderOptions {
  /** Names the service in the message of an unexpected failure (`The gateway failed…`). */
  who: string;
  /** Turns a known failure that is not an AppError into one (e.g. a lost database). */
  classifyError?: (error: unknown) => AppError | undefined;
  /** Answer unknown paths with the 404 error (false: the service sets its own not-found handler). */
  notFoundHandler?: boolean;
}

/**
 * The one HTTP edge both HTTP services (gateway and distribution) stand behind; install it on the
 * root instance before any route. It brings:
 * - zod validation of every request part, strict (unknown members are 400 naming them), and zod
 *   serialization of answers;
 * - the JSON body parser, strict about UTF-8;
 * - the text rule: no NUL, no lone surrogate anywhere in a request (400 naming the field);
 * - every failure as `{ code, message, requestId, details? }` with the status of its code, a body
 *   over the route's limit as 413 naming the limit;
 * - the security headers (Content-Security-Policy, HSTS where asked, nosniff, no framing);
 * - a trace span per request, continuing the client's `traceparent` (./tracing.ts);
 * - the drain the service stops with (./drain.ts), returned for its `stop` and its readiness probe.
 * What is a service's own (sessions and CSRF, CORS, credentials, rate limits) stays in the service.
 */
export function installHttpEdge(app: FastifyInstance, options: HttpEdgeOptions): HttpDrain {
  const drain = new HttpDrain();
  drain.install(app);
  installRequestTracing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installJsonBodyParser(app);
  installErrorHandler(app, options);
  installRequestHygiene(app);
  installSecurityHeaders(app, options);
  app.addHook("onResponse", (request, reply, done) => {
    observeHttpRequest(
      request.routeOptions.url ?? "(no route)",
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1_000,
    );
    done();
  });
  return drain;
}

/**
 * The Fastify options both HTTP services start from: our own request ids (a client cannot choose
 * the id its request is logged under), one log line per request (the service's own), a request's
 * logger made only when it writes (./request-logger.ts), and the error
 * shape even for what fails before routing — a path whose %-escapes are not UTF-8, a path parameter
 * too long, or a request Node itself refuses (headers or URL over 16 KiB, a timeout, bytes that
 * are not HTTP).
 */
export function httpServerOptions(options: {
  log: FastifyBaseLogger;
  trustProxy: boolean;
  bodyLimit: number;
}): FastifyServerOptions {
  return {
    loggerInstance: options.log,
    genReqId: () => newId("request"),
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    childLoggerFactory: requestLoggerFactory,
    trustProxy: options.trustProxy,
    bodyLimit: options.bodyLimit,
    // A request arriving while it closes is answered by the drain (./drain.ts), in the error shape.
    return503OnClosing: false,
    // Fastify answers these before any route or hook: the headers are set here.
    frameworkErrors: (error, request, reply) => {
      reply
        .header("X-Request-Id", request.id)
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", apiContentSecurityPolicy);
      sendError(reply, frameworkError(error));
    },
    clientErrorHandler: (error, socket) => answerClientError(error, socket, options.log),
  };
}

function frameworkError(error: FastifyError): AppError {
  if (error.code === "FST_ERR_BAD_URL")
    return new AppError("validation_failed", "The path is not valid: a %-escape in it is not UTF-8 text");
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH")
    return new AppError("validation_failed", "A part of the path is too long to name anything here");
  return new AppError(
    "internal",
    "The request could not be routed; the failure is logged under this request id",
  );
}

const clientErrors: Record<string, { code: "headers_too_large" | "request_timeout"; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: "headers_too_large",
    message: "The request's URL and headers are larger than the 16 KiB this server reads",
  },
  ERR_HTTP_REQUEST_TIMEOUT: { code: "request_timeout", message: "The request did not arrive in time" },
};

/**
 * What Node refuses before Fastify sees a request, answered in the error shape with a request id
 * (Fastify's default answers its own shape). The connection is closed afterwards, as Node does.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, log: FastifyBaseLogger): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const known = clientErrors[error.code ?? ""];
  const appError = known
    ? new AppError(known.code, known.message)
    : new AppError("validation_failed", "The request is not valid HTTP");
  const requestId = newId("request");
  log.debug({ err: error, requestId }, "client error");
  const body = JSON.stringify(appError.toBody(requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nX-Content-Type-Options: nosniff\r\n` +
        `Content-Security-Policy: ${apiContentSecurityPolicy}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
