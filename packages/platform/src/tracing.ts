// Traces (OpenTelemetry, W3C trace context). Off unless OTEL_EXPORTER_OTLP_ENDPOINT names a
// collector: then every service process registers the SDK once at start, and the spans the bus
// adapter, the HTTP edge and the event consumer make are exported over OTLP/HTTP with
// `service.name` = the service. Off, nothing is registered, so the API's calls stay its no-ops: no
// recording span, no header, no context manager.
import { context, isSpanContextValid, propagation, type Tracer, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

/** The tracer of the HTTP edge and the event consumer (asked for at each use, as busTracer). */
export function platformTracer(): Tracer {
  return trace.getTracer("@licensing/platform");
}

export interface TracingOptions {
  /** `service.name` of every span of this process. */
  service: string;
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string | undefined;
  /**
   * Share (0–1) of the traces that start here which are recorded (`OTEL_TRACES_SAMPLE_RATIO`, 1 by
   * default); a trace a caller started keeps the caller's decision, so a trace is whole or absent.
   */
  sampleRatio?: number;
  /** Test seam: exports each span as it ends (e.g. an InMemorySpanExporter), beside or without OTLP. */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /** Exports what has ended, then unregisters (call last when stopping). */
  stop(): Promise<void>;
}

/** Tracing is registered once per process: a second registration would be silently ignored by the API. */
export class TracingAlreadyStarted extends Error {
  constructor() {
    super("Tracing is already started in this process; stop it before starting it again");
    this.name = "TracingAlreadyStarted";
  }
}

const off: Tracing = { enabled: false, stop: async () => {} };
let running: Tracing | undefined;

/** Whether this process records spans (per-request tracing hooks are installed only then). */
export function tracingStarted(): boolean {
  return running !== undefined;
}

/** Starts tracing for this process when an endpoint (or a test exporter) is given; else does nothing. */
export function startTracing(options: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [];
  if (options.endpoint) {
    const url = `${options.endpoint.replace(/\/+$/, "")}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  if (processors.length === 0) return off;
  if (running) throw new TracingAlreadyStarted();

  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracing: Tracing = {
    enabled: true,
    async stop() {
      if (running !== tracing) return;
      running = undefined;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  running = tracing;
  return tracing;
}

/** The active span's trace and span ids, for log lines (logger.ts); nothing when no span records. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * The active trace context as header entries (`traceparent`, `tracestate`), kept with an outbox row
 * so the event's consumer continues the trace of the request that recorded it; null when none.
 */
export function traceCarrier(): Record<string, string> | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : null;
}
