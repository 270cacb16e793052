import { AppError, type ErrorBody, type ErrorCode, type FieldIssue, formatBytes } from "@licensing/contracts";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";

/** Fastify's own 4xx errors (bad JSON, wrong media type, too large…) by the code we answer them with. */
const codeOfStatus: Record<number, ErrorCode> = {
  400: "validation_failed",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "validation_failed",
  429: "rate_limited",
};

const fastifyMessages: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "Send the request body as JSON (Content-Type: application/json)",
  FST_ERR_CTP_EMPTY_JSON_BODY: "The request says it carries JSON but its body is empty",
  FST_ERR_CTP_INVALID_JSON_BODY: "The request body is not valid JSON",
};

/** The name of a request part in messages: `body`, `query string`, `path`. */
export function partName(part: string): string {
  return part === "querystring" || part === "query" ? "query string" : part === "params" ? "path" : part;
}

/**
 * Any failure as an AppError: our own (from this service or from one over the bus), request
 * validation from fastify-type-provider-zod's compiler (400 naming each field), Fastify's parsing
 * errors (a body over the route's limit is 413 naming the limit), and anything unexpected
 * (500 `internal`, logged with the request id). `who` names the failing service in that message.
 */
export function toAppError(error: unknown, request: FastifyRequest, who = "service"): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = (error as { validationContext?: string }).validationContext ?? "request";
    const issues: FieldIssue[] = error.validation.map((issue) => ({
      path: issue.instancePath.replace(/^\//, "").replaceAll("/", "."),
      message: issue.message ?? "is invalid",
    }));
    return AppError.validation(issues, partName(part));
  }
  if (isFastifyClientError(error)) {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      const limit = request.routeOptions.bodyLimit;
      return new AppError(
        "payload_too_large",
        `The request body is larger than this route accepts: at most ${formatBytes(limit)}`,
        { limitBytes: limit },
      );
    }
    const code = codeOfStatus[error.statusCode!] ?? "validation_failed";
    return new AppError(code, fastifyMessages[error.code] ?? error.message);
  }
  request.log.error(
    { err: error, ...(isResponseSerializationError(error) ? { issues: error.cause.issues } : {}) },
    "request failed unexpectedly",
  );
  return new AppError(
    "internal",
    `The ${who} failed unexpectedly; the failure is logged under this request id`,
  );
}

/** Answers `error` as `{ code, message, requestId, details? }` with the status of its code. */
export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: ErrorBody = error.toBody(reply.request.id);
  return reply.code(error.status).type("application/json").send(body);
}

/** A 404 in the error shape, for a path no route serves. */
export function notFound(request: FastifyRequest): AppError {
  const path = request.url.split("?")[0];
  return new AppError("not_found", `Nothing here: ${request.method} ${path}`);
}

export interface ErrorHandlerOptions {
  /** Names the service in the message of an unexpected failure (`The gateway failed…`). */
  who: string;
  /** Turns a known failure that is not an AppError into one (e.g. a lost database). */
  classifyError?: ((error: unknown) => AppError | undefined) | undefined;
  /** Answer unknown paths with the 404 error (false: the service sets its own not-found handler). */
  notFoundHandler?: boolean | undefined;
}

/** Every failure, and every unknown path, answered in the error shape. */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setErrorHandler((error, request, reply) => {
    const appError =
      error instanceof AppError
        ? error
        : (options.classifyError?.(error) ?? toAppError(error, request, options.who));
    if (appError.code === "service_unavailable")
      request.log.warn({ msg: appError.message }, "a service is unavailable");
    return sendError(reply, appError);
  });
  if (options.notFoundHandler !== false)
    app.setNotFoundHandler((request, reply) => sendError(reply, notFound(request)));
}

function isFastifyClientError(error: unknown): error is FastifyError {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}
