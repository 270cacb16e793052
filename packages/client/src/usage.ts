import type { Balance } from "@licensing/contracts";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import type { QueuedUsage } from "./state.ts";

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

/**
 * The usage reports of executions: queued in the stored state with their idempotency keys, sent
 * oldest first when the server is reachable (a retry is counted once), kept while it is not.
 */
export class UsageMeter {
  readonly #ctx: ManagerContext;
  #flushing: Promise<unknown> = Promise.resolve();

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Units consumed as far as this machine knows: the server's balance plus what is queued. */
  unitsUsed(): number {
    const state = this.#ctx.state.current;
    return state.unitsConsumed + queuedUnits(state.queue);
  }

  /** Records an execution: its time, and its report in the queue. */
  record(report: QueuedUsage): Promise<void> {
    return this.#ctx.state.update((s) => {
      s.lastExecutionAt = report.at;
      s.queue.push(report);
    });
  }

  isQueued(idempotencyKey: string): boolean {
    return this.#ctx.state.current.queue.some((q) => q.idempotencyKey === idempotencyKey);
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
    const state = await this.#ctx.state.load(this.#ctx.now());
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
    await state.load(this.#ctx.now());
    const refused: FlushResult["refused"] = [];
    let blocked: LicenseError | undefined;
    let sent = 0;
    const api = this.#ctx.api();
    const fingerprint = await this.#ctx.fingerprint();
    while (state.current.queue.length > 0) {
      const next = state.current.queue[0]!;
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
          s.queue.shift();
          s.unitsConsumed = body.unitsConsumed;
          s.balanceAt = this.#ctx.now().toISOString();
          s.lastOnlineAt = this.#ctx.now().toISOString();
        });
      } catch (error) {
        if (!(error instanceof LicenseError) || error.transient) break;
        if (!reportRefusals.has(error.reason)) {
          // The license itself is refused (suspended, revoked, expired…): keep the queue for later.
          blocked = error;
          break;
        }
        refused.push({ idempotencyKey: next.idempotencyKey, error });
        await state.update((s) => {
          s.queue.shift();
        });
      }
    }
    return { sent, pending: state.current.queue.length, refused, ...(blocked ? { blocked } : {}) };
  }
}

function queuedUnits(queue: readonly QueuedUsage[]): number {
  return queue.reduce((sum, q) => sum + q.units, 0);
}
