import { type Action, AppError, actorMay, type ErrorCode, transientErrorCodes } from "@licensing/contracts";
import type { FastifyRequest } from "fastify";

type Outcome = "done" | "refused" | "failed";

/**
 * What became of one item: done, with what `Fields` reports of the item as it now is; or refused or
 * failed, with the error's code and message.
 */
export type BulkResult<Fields> =
  | ({ id: string; outcome: "done"; message?: string } & Fields)
  | { id: string; outcome: Exclude<Outcome, "done">; code: ErrorCode; message: string };

/** One bulk action, as the route of one kind of item (licenses, accounts) describes it. */
export interface BulkRun<Entity, Fields> {
  /** The item's name in the log: "license", "account". */
  noun: string;
  /** The right of the single action, checked once, before any item. */
  right: Action;
  /** The ids the request names: its list, or what its filter matches. */
  targets: () => Promise<string[]>;
  /** The action on one item through its single-item endpoint; resolves with the item as it now is. */
  apply: (id: string) => Promise<Entity>;
  /** What a done item reports of the item as it now is. */
  report: (now: Entity) => Fields;
  /**
   * A state change asked for twice (a retried run) is done, not refused: after an `invalid_state`
   * refusal, the item is read again and reported done, with `message`, when it is already as asked.
   */
  repeat?: { read: (id: string) => Promise<Entity>; asked: (now: Entity) => boolean; message: string };
}

async function settled<Entity, Fields>(
  run: BulkRun<Entity, Fields>,
  id: string,
): Promise<BulkResult<Fields>> {
  try {
    return { id, outcome: "done", ...run.report(await run.apply(id)) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === "invalid_state" && run.repeat) {
      const now = await run.repeat.read(id).catch(() => undefined);
      if (now !== undefined && run.repeat.asked(now))
        return { id, outcome: "done", message: run.repeat.message, ...run.report(now) };
    }
    const outcome = transientErrorCodes.has(error.code) || error.code === "internal" ? "failed" : "refused";
    return { id, outcome, code: error.code, message: error.message };
  }
}

/**
 * The loop of a bulk route: the action's right first (403 before anything is done), then one item at
 * a time through the single action's endpoint, so one refusal never stops the rest; the answer has
 * one result per item and the count of each outcome.
 */
export async function runBulk<A extends string, Entity, Fields>(
  request: FastifyRequest,
  body: { bulkId: string; action: A },
  run: BulkRun<Entity, Fields>,
) {
  const actor = request.actor!;
  if (!actorMay(actor, run.right))
    throw new AppError("forbidden", `Your roles (${actor.roles.join(", ")}) do not allow ${run.right}`);
  const ids = await run.targets();
  const items: BulkResult<Fields>[] = [];
  for (const id of ids) items.push(await settled(run, id));
  const count = (outcome: Outcome) => items.filter((i) => i.outcome === outcome).length;
  request.log.info(
    { bulkId: body.bulkId, action: body.action, items: items.length },
    `bulk ${run.noun} action finished`,
  );
  return {
    bulkId: body.bulkId,
    action: body.action,
    done: count("done"),
    refused: count("refused"),
    failed: count("failed"),
    items,
  };
}
