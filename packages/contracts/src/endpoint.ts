import type { z } from "zod";
import type { BusIdentity } from "./bus-actors.ts";
import type { ErrorCode } from "./errors.ts";

/** One request/reply endpoint on the bus: its subject, both schemas and the errors it may answer. */
export interface Endpoint<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  /** The service that answers it, e.g. `catalog`. */
  service: string;
  /** Subject below the deployment prefix, `<service>.<entity>.<verb>`. */
  subject: string;
  summary: string;
  request: Req;
  response: Res;
  errors: readonly ErrorCode[];
  /**
   * The bus identities that may call it (the NATS server refuses the others): the gateway, on behalf
   * of operators, when not given (bus-permissions.ts).
   */
  callers?: readonly BusIdentity[];
}

export function defineEndpoint<Req extends z.ZodType, Res extends z.ZodType>(
  definition: Endpoint<Req, Res>,
): Endpoint<Req, Res> {
  return definition;
}

/** What a caller sends (before defaults apply). */
export type RequestIn<E extends Endpoint> = z.input<E["request"]>;
/** What a handler receives (after validation and defaults). */
export type RequestOf<E extends Endpoint> = z.output<E["request"]>;
export type ResponseOf<E extends Endpoint> = z.output<E["response"]>;
