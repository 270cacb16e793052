import { AppError, type FieldIssue, toFieldIssues, unsafeTextIssues } from "@licensing/contracts";
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import { partName } from "./errors.ts";

/**
 * Validates a request part (body, query string, path parameters) with its zod schema; a failure is
 * `validation_failed` naming each field, an unknown member by its own path with a guess at what was
 * meant (`availableActivation: unknown member (did you mean availableActivations?)`).
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return {
      error: AppError.validation(toFieldIssues(result.error, schema), partName(httpPart ?? "request")),
    };
  };

interface RouteSchema {
  hide?: boolean;
  body?: unknown;
  querystring?: unknown;
}

/**
 * The request rules every route obeys, checked before its own validation:
 * - text hygiene (contracts' text.ts): a NUL or a lone UTF-16 surrogate anywhere in the path
 *   parameters, the query string or the body (member names included) is `validation_failed`
 *   naming the field;
 * - strict input where a route declares no schema for a part: an API route (one with a schema that
 *   is not hidden) without a query string schema takes no query parameters, and one without a body
 *   schema takes no body (an empty object aside), so nothing a client sends is silently ignored.
 *   Parts with a schema are strict by their schema (`z.strictObject`).
 */
export function installRequestHygiene(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    for (const [part, value] of [
      ["params", request.params],
      ["query", request.query],
      ["body", request.body],
    ] as const) {
      const issues = unsafeTextIssues(value);
      if (issues.length > 0) throw AppError.validation(issues, partName(part));
    }
    const schema = request.routeOptions.schema as RouteSchema | undefined;
    if (!schema || schema.hide) return;
    if (!schema.querystring) {
      const unknown = Object.keys((request.query as object | undefined) ?? {});
      if (unknown.length > 0) throw AppError.validation(unknownMembers(unknown), "query string");
    }
    if (!schema.body && !isEmptyBody(request)) {
      const body = request.body;
      const issues: FieldIssue[] =
        body !== null && typeof body === "object" && !Array.isArray(body)
          ? unknownMembers(Object.keys(body))
          : [{ path: "", message: "this route takes no request body" }];
      throw AppError.validation(issues, "body");
    }
  });
}

function unknownMembers(names: string[]): FieldIssue[] {
  return names.map((name) => ({ path: name, message: "unknown member (this route takes none)" }));
}

function isEmptyBody(request: FastifyRequest): boolean {
  const body = request.body;
  if (body === undefined || body === null || body === "") return true;
  return typeof body === "object" && !Array.isArray(body) && Object.keys(body).length === 0;
}
