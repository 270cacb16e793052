import { AppError, type ErrorBody, type ErrorCode, type FieldIssue } from "@licensing/contracts";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";

const codeOfStatus: Record<number, ErrorCode> = {
  400: "validation_failed",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
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
 * Every failure as `{ code, message, requestId, details? }` with the status of its code: our
 * AppErrors, request validation (400 naming each field, before anything reaches the database),
 * Fastify's parsing errors, and anything unexpected (500 `internal`, logged under the request id).
 */
function toAppError(error: unknown, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = (error as { validationContext?: string }).validationContext ?? "request";
    const issues: FieldIssue[] = error.validation.map((issue) => ({
      path: issue.instancePath.replace(/^\//, "").replaceAll("/", "."),
      message: issue.message ?? "is invalid",
    }));
    return AppError.validation(issues, part === "querystring" ? "query string" : part);
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const fastifyError = error as FastifyError;
    return new AppError(
      codeOfStatus[status] ?? "validation_failed",
      fastifyMessages[fastifyError.code] ?? fastifyError.message,
    );
  }
  request.log.error(
    { err: error, ...(isResponseSerializationError(error) ? { issues: error.cause.issues } : {}) },
    "request failed unexpectedly",
  );
  return new AppError(
    "internal",
    "The service failed unexpectedly; the failure is logged under this request id",
  );
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  const body: ErrorBody = error.toBody(reply.request.id);
  return reply.code(error.status).type("application/json").send(body);
}

export function installErrorHandler(
  app: FastifyInstance,
  classify: (error: unknown) => AppError | undefined,
): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = error instanceof AppError ? error : (classify(error) ?? toAppError(error, request));
    if (appError.code === "service_unavailable") request.log.warn({ msg: appError.message }, "unavailable");
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new AppError("not_found", `Nothing here: ${request.method} ${request.url.split("?")[0]}`),
    ),
  );
}
