import { actorSchema, contextHeaders, newId, type RequestContext } from "@licensing/contracts";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";

/** The request context as NATS headers. */
export function contextToHeaders(ctx: RequestContext | undefined, into: MsgHdrs = natsHeaders()): MsgHdrs {
  into.set(contextHeaders.requestId, ctx?.requestId ?? newId("request"));
  if (ctx?.actor) into.set(contextHeaders.actor, JSON.stringify(ctx.actor));
  return into;
}

/** The request context from NATS headers; a missing request id gets a fresh one, a garbled actor none. */
export function contextFromHeaders(headers: MsgHdrs | undefined): RequestContext {
  const requestId = headers?.get(contextHeaders.requestId) || newId("request");
  const rawActor = headers?.get(contextHeaders.actor);
  if (!rawActor) return { requestId };
  try {
    const actor = actorSchema.safeParse(JSON.parse(rawActor));
    return actor.success ? { requestId, actor: actor.data } : { requestId };
  } catch {
    return { requestId };
  }
}
