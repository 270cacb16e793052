import type { FastifyInstance, FastifyRequest } from "fastify";

/** HSTS for a year, once a response went out over https (browsers ignore it over plain http). */
export const hstsValue = "max-age=31536000";

/** For a JSON API: nothing in a response may load or run anything, nor be framed. */
export const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

/**
 * For pages: the operator UI (a Vite build: module scripts and stylesheets from this origin, no
 * inline script) and the API documentation (Swagger UI, from @fastify/swagger-ui's own files).
 * Scripts from this origin only; styles from this origin and inline (Mantine sets its CSS variables
 * in a style element and components set style attributes; Swagger UI too); data: images and fonts
 * (icons in stylesheets); requests to this origin only; no plug-ins, no framing by other pages.
 */
export const pageContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export interface SecurityHeaderOptions {
  /** The Content-Security-Policy of a response to this request. */
  contentSecurityPolicy: (request: FastifyRequest) => string;
  /** Whether to send Strict-Transport-Security on a response to this request. */
  strictTransportSecurity: (request: FastifyRequest) => boolean;
}

/**
 * The headers every answer carries: its request id, no MIME sniffing, no framing, no referrer to
 * other origins, a Content-Security-Policy, and HSTS where the service is reached over https.
 */
export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("X-Request-Id", request.id);
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("X-Frame-Options", "DENY");
    reply.header("Referrer-Policy", "same-origin");
    reply.header("Content-Security-Policy", options.contentSecurityPolicy(request));
    if (options.strictTransportSecurity(request)) reply.header("Strict-Transport-Security", hstsValue);
    done(null, payload);
  });
}
