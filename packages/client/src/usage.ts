import type { Balance } from "@licensing/contracts";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import type { ClientState, QueuedUsage } from "./state.ts";

/** What one flush of the queue did. */
export interface FlushResult {
  sent: number;
  pending: number;
  refused: { idempotencyKey: string; error: LicenseError }[];
  /** Set when the server refuses the license itself: nothing more was sent, the queue is kept. */
  blocked?: LicenseError;
}

/** What the manager knows of the usage: the server's balance plus the reports still queued. */
export interface UsageSummary {
  unitsConsumed: number;
  queued: number;
  queuedUnits: number;
  lastExecutionAt: string | null;
  lastOnlineAt: string | null;
}

/** Refusals of one report (dropped from the queue); any other refusal is of the license (kept). */
const reportRefusals = new Set<string>(["units_exhausted", "units_per_execution_exceeded", "server_error"]);

/** Units consumed as far as this machine knows: the server's balance plus what is queued. */
export function unitsUsed(state: ClientState): number {
  return state.unitsConsumed + queuedUnits(state.queue);
}

/**
 * The usage reports of executions: queued in the stored state with their idempotency keys (by
 * authorizeExecution, in the same write that checks the balance), sent oldest first when the server
 * is reachable (a retry, or a twin sent by another process sharing the state, is counted once).
 */
export class UsageMeter {
  readonly #ctx: ManagerContext;
  #flushing: Promise<unknown> = Promise.resolve();

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Takes a report out of the queue unsent (its execution does not run). */
  withdraw(idempotencyKey: string): Promise<void> {
    return this.#ctx.state.update((s) => {
      s.queue = s.queue.filter((q) => q.idempotencyKey !== idempotencyKey);
    });
  }

  /**
   * Sends the queued reports, oldest first. Stops at the first that cannot reach the server; drops
   * (and returns) those the server refuses for good, such as units_exhausted. One flush at a time.
   */
  flush(): Promise<FlushResult> {
    const run = this.#flushing.then(() => this.#flush());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async summary(): Promise<UsageSummary> {
    const state = await this.#ctx.state.read();
    return {
      unitsConsumed: state.unitsConsumed,
      queued: state.queue.length,
      queuedUnits: queuedUnits(state.queue),
      lastExecutionAt: state.lastExecutionAt,
      lastOnlineAt: state.lastOnlineAt,
    };
  }

  async #flush(): Promise<FlushResult> {
    const { state } = this.#ctx;
    const refused: FlushResult["refused"] = [];
    let blocked: LicenseError | undefined;
    let sent = 0;
    const api = this.#ctx.api();
    const fingerprint = await this.#ctx.fingerprint();
    const tried = new Set<string>();
    for (;;) {
      const next = (await state.read()).queue.find((q) => !tried.has(q.idempotencyKey));
      if (!next) break;
      tried.add(next.idempotencyKey);
      try {
        const { body } = await api.call<Balance & { duplicate: boolean }>("POST", "/v1/usage", {
          units: next.units,
          idempotencyKey: next.idempotencyKey,
          fingerprint,
          ...(next.executionMode ? { executionMode: next.executionMode } : {}),
          at: next.at,
        });
        sent++;
        await state.update((s) => {
          // Another process sharing this state may have sent it too: counted once either way. An
          // answer never lowers the balance known here (a forged one could otherwise refill it).
          const queued = s.queue.some((q) => q.idempotencyKey === next.idempotencyKey);
          s.queue = s.queue.filter((q) => q.idempotencyKey !== next.idempotencyKey);
          s.unitsConsumed = Math.max(s.unitsConsumed + (queued ? next.units : 0), body.unitsConsumed);
          s.balanceAt = this.#ctx.now().toISOString();
        });
      } catch (error) {
        if (!(error instanceof LicenseError) || error.transient) break;
        if (!reportRefusals.has(error.reason)) {
          // The license itself is refused (suspended, revoked, expired…): keep the queue for later.
          blocked = error;
          break;
        }
        refused.push({ idempotencyKey: next.idempotencyKey, error });
        await this.withdraw(next.idempotencyKey);
      }
    }
    return { sent, pending: state.current.queue.length, refused, ...(blocked ? { blocked } : {}) };
  }
}

export function queuedUnits(queue: readonly QueuedUsage[]): number {
  return queue.reduce((sum, q) => sum + q.units, 0);
}
