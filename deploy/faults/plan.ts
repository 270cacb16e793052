// What goes wrong, and when, in one run of the fault suite: drawn from a seed (printed, so a failure
// replays with FAULT_SEED=<seed>), at fractions of the workload's length.
import fc from "fast-check";

export const killedServices = ["catalog", "issuer", "distribution", "notifier"] as const;
export type KilledService = (typeof killedServices)[number];

export type Fault =
  /** SIGKILL one replica; a fresh one starts `downMs` later, as an orchestrator restarts a pod. */
  | { at: number; kind: "kill"; service: KilledService; replica: number; downMs: number }
  /** SIGKILL one NATS node, started again on its own store `downMs` later. */
  | { at: number; kind: "nats-node"; node: number; downMs: number }
  /** Every PostgreSQL connection of the platform terminated by the server. */
  | { at: number; kind: "pg-connections" }
  /** pg_dump of the whole database while everything runs (the backup drill restores it). */
  | { at: number; kind: "pg-dump" };

const fraction = (min: number, max: number) => fc.double({ min, max, noNaN: true });

const plan = fc.record({
  kills: fc.tuple(
    ...killedServices.map((service) =>
      fc.record({
        at: fraction(0.05, 0.8),
        kind: fc.constant("kill" as const),
        service: fc.constant(service),
        replica: fc.integer({ min: 0, max: 1 }),
        downMs: fc.integer({ min: 500, max: 3_000 }),
      }),
    ),
  ),
  nats: fc.record({
    at: fraction(0.05, 0.7),
    kind: fc.constant("nats-node" as const),
    node: fc.integer({ min: 0, max: 2 }),
    downMs: fc.integer({ min: 2_000, max: 8_000 }),
  }),
  pg: fc.array(fc.record({ at: fraction(0.05, 0.85), kind: fc.constant("pg-connections" as const) }), {
    minLength: 2,
    maxLength: 2,
  }),
  dump: fc.record({ at: fraction(0.3, 0.6), kind: fc.constant("pg-dump" as const) }),
});

/** The faults of `seed` over a workload of `lengthMs`, in the order they happen (`at` in ms). */
export function faultPlan(seed: number, lengthMs: number): Fault[] {
  const [drawn] = fc.sample(plan, { seed, numRuns: 1 });
  const { kills, nats, pg, dump } = drawn!;
  return [...kills, nats, ...pg, dump]
    .map((fault) => ({ ...fault, at: Math.round(fault.at * lengthMs) }))
    .sort((a, b) => a.at - b.at);
}

export function describeFault(fault: Fault): string {
  const at = `${(fault.at / 1_000).toFixed(1)} s`;
  switch (fault.kind) {
    case "kill":
      return `${at} SIGKILL ${fault.service} replica ${fault.replica + 1}, a new one after ${fault.downMs} ms`;
    case "nats-node":
      return `${at} SIGKILL NATS node ${fault.node + 1}, back after ${fault.downMs} ms`;
    case "pg-connections":
      return `${at} terminate every PostgreSQL connection`;
    case "pg-dump":
      return `${at} pg_dump`;
  }
}
