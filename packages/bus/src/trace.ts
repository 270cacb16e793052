// W3C trace context (OpenTelemetry) in NATS headers, and the spans of the bus. Only the API is used
// here: while no SDK is registered (tracing off, the default) every call below is the API's no-op,
// which creates no recording span and writes no header.
import type { MsgHdrs } from "@nats-io/transport-node";
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";

/**
 * The tracer of the bus adapter (client and endpoint spans). Asked for at each use, not kept: the
 * API's proxy tracer keeps the first provider it saw, so a kept one would outlive a restart of
 * tracing in the same process (tests do that).
 */
export function busTracer(): Tracer {
  return trace.getTracer("@licensing/bus");
}

/** Writes the active trace context (`traceparent`, `tracestate`) into NATS headers. */
export function injectTraceContext(headers: MsgHdrs, from: Context = context.active()): MsgHdrs {
  propagation.inject(from, headers, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
  return headers;
}

/** The trace context a message's headers carry, as the parent of what handles it (none: a new trace). */
export function extractTraceContext(headers: MsgHdrs | undefined): Context {
  if (!headers) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => carrier.get(key) || undefined,
    keys: (carrier) => carrier.keys(),
  });
}

/**
 * Marks a span with the outcome of the request it covers: the code (`ok` or the error code) as an
 * attribute, and an error status only for what is the service's failure, not a refusal.
 */
export function endSpan(span: Span, code: string): void {
  span.setAttribute("lic.code", code);
  if (code === "internal" || code === "service_unavailable")
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.end();
}
