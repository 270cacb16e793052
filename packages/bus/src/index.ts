export {
  ActorAssertionError,
  type ActorKeys,
  type ActorSigningKey,
  ASSERTION_TTL_SECONDS,
  actorKeyId,
  actorKeysOf,
  setActorKeys,
  signActorAssertion,
  type TrustedActorKey,
  tagActorAssertion,
  type VerifyOptions,
  verifyActorAssertion,
} from "./actor-assertion.ts";
export {
  type BodyBucket,
  BodyGone,
  BodyStore,
  bodyBucketName,
  bodyRefHeader,
  bodySizeHeader,
  isByReference,
  MAX_BODY_BYTES,
  type OutgoingBody,
} from "./bodies.ts";
export { BusClient, type BusClientOptions, type CallOptions } from "./client.ts";
export { contextFromHeaders, contextToHeaders } from "./headers.ts";
export { setStreamReplicas, streamReplicas } from "./replicas.ts";
export {
  EndpointServer,
  type EndpointServerOptions,
  type ErrorClassifier,
  type Handler,
  type HandlerContext,
} from "./serve.ts";
export { busTracer, endSpan, extractTraceContext, injectTraceContext } from "./trace.ts";
