import { z } from "zod";

/** Operator roles (docs/architecture.md). */
export const roles = ["superadmin", "license-admin", "sales", "support", "viewer"] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** Who is acting: set by the gateway from the session, recorded by services in their audit trails. */
export const actorSchema = z.object({
  id: z.string().min(1).max(100),
  username: z.string().min(1).max(200),
  roles: z.array(roleSchema),
});
export type Actor = z.infer<typeof actorSchema>;

/** What travels with every request on the bus, in NATS headers. */
export interface RequestContext {
  requestId: string;
  actor?: Actor;
}

/** NATS header names carrying the request context. */
export const contextHeaders = {
  requestId: "Lic-Request-Id",
  actor: "Lic-Actor",
} as const;

/** The actor of work a service does on its own (relays, schedules, imports started by the system). */
export const systemActor: Actor = { id: "system", username: "system", roles: [] };
