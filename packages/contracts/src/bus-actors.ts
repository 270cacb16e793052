import { type Actor, isServiceActor, systemActor } from "./context.ts";

/**
 * The identities on the bus: one NATS user (an NKey) and one actor-signing key each
 * (docs/operations.md, "The bus"). The license server only reads its stream; it never signs.
 */
export const busIdentities = [
  "gateway",
  "catalog",
  "issuer",
  "distribution",
  "notifier",
  "migration",
  "mailcatcher",
  "license-server",
] as const;
export type BusIdentity = (typeof busIdentities)[number];

/**
 * Who may sign which actor assertions on the bus (docs/operations.md, "The bus"). A signer is a bus
 * identity: the service whose BUS_ACTOR_KEY made the assertion. The gateway speaks for the operator
 * signed in; the migration service speaks for the operator who started a run, for as long as the run
 * goes on (a run resumes long after the sign-in that started it, so no gateway assertion lasts that
 * long); every service may speak for itself (serviceActor) and for the work it does on its own
 * (systemActor).
 */
export const operatorSigners: readonly string[] = ["gateway", "migration"];

/** Why `signer` may not assert `actor`, or undefined when it may. */
export function whyMayNotAssert(signer: string, actor: Actor): string | undefined {
  if (isServiceActor(actor))
    return actor.id === `service:${signer}` ? undefined : `${signer} may only act as service:${signer}`;
  if (actor.id === systemActor.id)
    return signer === "gateway" ? "the gateway acts for operators, never as the system" : undefined;
  if (actor.id.startsWith("service:")) return `${actor.id} is not an operator`;
  return operatorSigners.includes(signer) ? undefined : `${signer} may not act for an operator`;
}
