import { AppError, type ErrorBody, type ErrorCode, type FieldIssue } from "@licensing/contracts";
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
  FST_ERR_CTP_BODY_TOO_LARGE: "The request body is too large",
};

/**
 * Every failure as `{ code, message, requestId, details? }` with the status of its code: our own
 * AppErrors (from the gateway or from a service over the bus), request validation (400 naming each
 * field), Fastify's parsing errors, and anything unexpected (500 `internal`, logged with the id).
 */
export function toAppError(error: unknown, request: FastifyRequest): AppError {
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
    const code = codeOfStatus[error.statusCode!] ?? "validation_failed";
    return new AppError(code, fastifyMessages[error.code] ?? error.message);
  }
  request.log.error(
    { err: error, ...(isResponseSerializationError(error) ? { issues: error.cause.issues } : {}) },
    "request failed unexpectedly",
  );
  return new AppError(
    "internal",
    "The gateway failed unexpectedly; the failure is logged under this request id",
  );
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: ErrorBody = error.toBody(reply.request.id);
  return reply.code(error.status).type("application/json").send(body);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error, request);
    if (appError.code === "service_unavailable")
      request.log.warn({ msg: appError.message }, "a service is unavailable");
    return sendError(reply, appError);
  });
}

/** A 404 in the error shape, for a path no route serves. */
export function notFound(request: FastifyRequest): AppError {
  const path = request.url.split("?")[0];
  return new AppError("not_found", `Nothing here: ${request.method} ${path}`);
}

function partName(part: string): string {
  return part === "querystring" ? "query string" : part === "params" ? "path" : part;
}

function isFastifyClientError(error: unknown): error is FastifyError {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}
