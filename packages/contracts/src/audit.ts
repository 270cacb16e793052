import { z } from "zod";
import { defineEndpoint } from "./endpoint.ts";
import { timestamp } from "./schema.ts";

/** The services that keep an audit log of their own; the gateway merges them (docs/gateway.md, "Audit"). */
export const auditedServices = [
  "gateway",
  "catalog",
  "issuer",
  "notifier",
  "migration",
  "distribution",
] as const;
export type AuditedService = (typeof auditedServices)[number];

/** What an entry names as changed: field → [before, after] (null where there was none). */
export const auditChangesSchema = z.record(z.string(), z.tuple([z.unknown(), z.unknown()]));
export type AuditChanges = z.infer<typeof auditChangesSchema>;

/** One entry of a service's audit log: who did what to which entity, when, under which request. */
export const auditLogEntrySchema = z.object({
  id: z.string(),
  /** The service that recorded it: its log, its chain. */
  service: z.string(),
  at: timestamp,
  actorId: z.string(),
  actorName: z.string(),
  /** `<entity>.<past-tense>`, e.g. `account.created`, `user.signed-in`. */
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  requestId: z.string().nullable(),
  reason: z.string().nullable(),
  changes: auditChangesSchema,
  /** Its place in the service's hash chain; null while it waits for the chaining worker ("pending"). */
  chainSeq: z.number().int().nullable(),
});
export type AuditLogEntry = z.infer<typeof auditLogEntrySchema>;

const token = z
  .string()
  .trim()
  .min(1, { message: "must not be empty" })
  .max(100)
  .regex(/^[A-Za-z0-9_.:@-]+$/, { message: "may hold only letters, digits and _ . : @ -" });

/**
 * The filters of the audit log, the same for every service and for the gateway's merged view. The
 * cursor is the (time, id) of the last entry of the page before: entries come newest first, ordered
 * by time then id in every service, so one cursor pages through the merged view as well.
 */
export const auditListRequest = z.strictObject({
  /** An actor's id (`usr_…`, `system`, `service:…`) or username, exactly. */
  actor: z.string().trim().min(1, { message: "must not be empty" }).max(200).optional(),
  entityType: token.optional(),
  entityId: token.optional(),
  /** An action exactly (`account.created`), or every action of an entity type (`account.*`). */
  action: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*(\.\*)?$/, {
      message: "must be an action such as account.created or account.*",
    })
    .optional(),
  from: timestamp.optional(),
  to: timestamp.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditListRequest = z.output<typeof auditListRequest>;

export const auditListResponse = z.object({
  items: z.array(auditLogEntrySchema),
  nextCursor: z.string().nullable(),
});

/** The audit log endpoint of one service: `<service>.audit.list`. */
function auditList(service: AuditedService) {
  return defineEndpoint({
    service,
    subject: `${service}.audit.list`,
    summary: `The ${service}'s audit log, newest first, filtered`,
    request: auditListRequest,
    response: auditListResponse,
    errors: ["validation_failed"],
  });
}

/** The audit log endpoints of the services on the bus (the gateway reads its own from its database). */
export const audit = {
  catalog: auditList("catalog"),
  issuer: auditList("issuer"),
  notifier: auditList("notifier"),
  migration: auditList("migration"),
  distribution: auditList("distribution"),
};
