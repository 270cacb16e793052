import { type Actor, newId, type RequestContext } from "@licensing/contracts";
import { type EntityManager, execute } from "@licensing/platform";

/** Records what an operator did here, and who, under which request. */
export async function recordAudit(
  em: EntityManager,
  entry: {
    action: string;
    licenseId: string;
    targetId: string;
    actor: Pick<Actor, "id" | "username">;
    /** The request it was done under (null for work a stored request set off later). */
    ctx: { requestId: RequestContext["requestId"] | null };
    reason?: string;
  },
): Promise<void> {
  await execute(
    em,
    `insert into distribution.audit (id, at, action, license_id, target_id, actor_id, actor_name, request_id, reason)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      newId("audit"),
      new Date(),
      entry.action,
      entry.licenseId,
      entry.targetId,
      entry.actor.id,
      entry.actor.username,
      entry.ctx.requestId,
      entry.reason ?? null,
    ],
  );
}
