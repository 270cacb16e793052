// A server span per HTTP request (tracing.ts): the child of the client's `traceparent` when it sends
// one, else the root of a new trace; named by method and route pattern (never the path), ended with
// the status code. With tracing off (not started when the server is built) no hook is installed:
// the API's no-ops would record nothing, and a product's download would still pay for four hooks.
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { platformTracer, tracingStarted } from "../tracing.ts";

const requestContexts = new WeakMap<FastifyRequest, Context>();

export function installRequestTracing(app: FastifyInstance): void {
  if (!tracingStarted()) return;
  app.addHook("onRequest", (request, _reply, done) => {
    const route = request.routeOptions.url ?? "(no route)";
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = platformTracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "http.route": route,
          "lic.request_id": request.id,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    requestContexts.set(request, active);
    context.with(active, done);
  });
  // Each later stage runs inside the span again: reading the body (stream events) loses the context
  // entered above. So the handler's bus calls are the span's children, and every line the request
  // logs, from validation to the access log, carries its trace id.
  app.addHook("preValidation", enterRequestContext);
  app.addHook("preHandler", enterRequestContext);
  app.addHook("onResponse", (request, reply, done) => {
    const active = requestContexts.get(request);
    const span = active && trace.getSpan(active);
    if (!active || !span) return done();
    span.setAttribute("http.response.status_code", reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    context.with(active, done);
  });
}

function enterRequestContext(request: FastifyRequest, _reply: unknown, done: () => void): void {
  const active = requestContexts.get(request);
  if (active) context.with(active, done);
  else done();
}
