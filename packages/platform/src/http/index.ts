// @licensing/platform/http: the HTTP edge the gateway and the distribution service share.
export { HttpDrain } from "./drain.ts";
export { type HttpEdgeOptions, httpServerOptions, installHttpEdge } from "./edge.ts";
export {
  type ErrorHandlerOptions,
  installErrorHandler,
  notFound,
  partName,
  sendError,
  toAppError,
} from "./errors.ts";
export {
  apiContentSecurityPolicy,
  hstsValue,
  installSecurityHeaders,
  pageContentSecurityPolicy,
  type SecurityHeaderOptions,
} from "./headers.ts";
export { installJsonBodyParser } from "./json-body.ts";
export { type ProbeOptions, probeRoutes, type ReadinessCheck, withinMs } from "./probes.ts";
export { installRequestHygiene, validatorCompiler } from "./validation.ts";
