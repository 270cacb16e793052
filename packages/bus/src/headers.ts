import { contextHeaders, newId, type RequestContext } from "@licensing/contracts";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import {
  ActorAssertionError,
  type ActorKeys,
  signActorAssertion,
  tagActorAssertion,
  verifyActorAssertion,
} from "./actor-assertion.ts";

/**
 * The request context as NATS headers. The actor goes as the assertion it arrived with (a handler
 * forwarding its context) or as one signed here with the connection's own key, tagged for the keys of
 * `audience` (the bus identity the request is addressed to); a caller without a key cannot send an
 * actor at all.
 */
export function contextToHeaders(
  ctx: RequestContext | undefined,
  keys: ActorKeys,
  audience?: string,
  into: MsgHdrs = natsHeaders(),
): MsgHdrs {
  const requestId = ctx?.requestId ?? newId("request");
  into.set(contextHeaders.requestId, requestId);
  if (ctx?.actor) {
    if (ctx.assertion) into.set(contextHeaders.actor, ctx.assertion);
    else if (keys.signing) {
      const assertion = signActorAssertion(keys.signing, ctx.actor, requestId);
      into.set(contextHeaders.actor, assertion);
      const recipients = keys.trusted.filter((key) => key.signer === audience);
      const tag = tagActorAssertion(keys.signing, assertion, recipients);
      if (tag !== undefined) into.set(contextHeaders.actorTag, tag);
    } else
      throw new ActorAssertionError(
        `this connection has no BUS_ACTOR_KEY, so it cannot act as ${ctx.actor.username}`,
      );
  }
  return into;
}

/**
 * The request context from NATS headers: a missing request id gets a fresh one, a missing actor
 * assertion means no actor. An assertion that does not verify against `keys.trusted` (forged,
 * expired, made for another request, or by a signer that may not assert this actor) throws an
 * ActorAssertionError: the request is refused, not served as nobody.
 */
export function contextFromHeaders(headers: MsgHdrs | undefined, keys: ActorKeys): RequestContext {
  const requestId = headers?.get(contextHeaders.requestId) || newId("request");
  const assertion = headers?.get(contextHeaders.actor);
  if (!assertion) return { requestId };
  const tag = headers?.get(contextHeaders.actorTag) || undefined;
  const actor = verifyActorAssertion(assertion, requestId, keys.trusted, {
    ...(tag !== undefined ? { tag } : {}),
    ...(keys.signing ? { verifier: keys.signing } : {}),
  });
  return { requestId, actor, assertion };
}
