import type { AppError } from "@licensing/contracts";
import type { FastifyInstance } from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";
import { installErrorHandler } from "./errors.ts";
import { installSecurityHeaders, type SecurityHeaderOptions } from "./headers.ts";
import { installJsonBodyParser } from "./json-body.ts";
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
 * - the security headers (Content-Security-Policy, HSTS where asked, nosniff, no framing).
 * What is a service's own (sessions and CSRF, CORS, credentials, rate limits) stays in the service.
 */
export function installHttpEdge(app: FastifyInstance, options: HttpEdgeOptions): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installJsonBodyParser(app);
  installErrorHandler(app, options);
  installRequestHygiene(app);
  installSecurityHeaders(app, options);
}
