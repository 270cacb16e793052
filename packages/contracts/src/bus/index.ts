export { BusClient, type BusClientOptions, type CallOptions } from "./client.ts";
export { contextFromHeaders, contextToHeaders } from "./headers.ts";
export {
  EndpointServer,
  type EndpointServerOptions,
  type ErrorClassifier,
  type Handler,
  type HandlerContext,
} from "./serve.ts";
