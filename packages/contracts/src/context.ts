import { z } from "zod";

/** Operator roles (docs/architecture.md). */
export const roles = [
  "superadmin",
  "license-admin",
  "sales",
  "support",
  "viewer",
  "auditor",
  "release-manager",
] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/**
 * A role's name as an actor carries it: a built-in role or a custom one (the gateway checks a custom
 * role's name when it is defined: customRoleNameSchema).
 */
export const roleNameSchema = z.string().min(1).max(64);

/** Who is acting: set by the gateway from the session, recorded by services in their audit trails. */
export const actorSchema = z.object({
  id: z.string().min(1).max(100),
  username: z.string().min(1).max(200),
  roles: z.array(roleNameSchema).max(64),
  /**
   * Every action the operator's roles allow, custom roles included, as the gateway resolved them
   * (permissions.ts, actionsOf): what services check (actorMay). Names a service does not know (a
   * newer gateway's) are ignored. Absent, the built-in roles say.
   */
  actions: z.array(z.string().min(1).max(64)).max(200).optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/** What travels with every request on the bus, in NATS headers. */
export interface RequestContext {
  requestId: string;
  actor?: Actor;
  /**
   * The signed assertion the actor arrived with (`Lic-Actor`), forwarded as it is when a handler
   * passes its context on to another service; absent, the caller's bus client signs one.
   */
  assertion?: string;
}

/** NATS header names carrying the request context. */
export const contextHeaders = {
  requestId: "Lic-Request-Id",
  /** A signed actor assertion (bus/src/actor-assertion.ts), never a bare actor. */
  actor: "Lic-Actor",
  /** Its tags for the service it is addressed to: a cheaper check than the signature (same file). */
  actorTag: "Lic-Actor-Tag",
} as const;

/** The actor of work a service does on its own (relays, schedules, imports started by the system). */
export const systemActor: Actor = { id: "system", username: "system", roles: [] };

const servicePrefix = "service:";

/**
 * The actor of a service asking another for what only services may ask (distribution reconciling its
 * read model with the issuer). Its id cannot be an operator's (`usr_…`), which the gateway forwards.
 */
export function serviceActor(service: string): Actor {
  return { id: `${servicePrefix}${service}`, username: service, roles: [] };
}

/** Whether `actor` is a service acting for itself (serviceActor), not an operator. */
export function isServiceActor(actor: Actor | undefined): boolean {
  if (!actor) return false;
  return actor.id.startsWith(servicePrefix) && actor.roles.length === 0;
}
