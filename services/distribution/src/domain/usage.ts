import { AppError, type Balance, type usageRequest } from "@licensing/contracts";
import { type Orm, queryOne } from "@licensing/platform";
import type { z } from "zod";
import { type LicenseRecord, remaining, requireFingerprintAllowed, requireUsable } from "./licenses.ts";
import { isoOrNull, raised, type Timestamp } from "./rows.ts";

export type UsageReport = z.output<typeof usageRequest>;

/** Refuses an execution mode the license's newest file does not allow (400 naming the field). */
export function requireModeAllowed(license: LicenseRecord, mode: string | undefined): void {
  if (mode === undefined || license.executionModes === null || license.executionModes.includes(mode)) return;
  const allowed = license.executionModes.join(", ") || "none";
  throw AppError.validation([
    { path: "executionMode", message: `is not allowed by this license (allowed: ${allowed})` },
  ]);
}

interface BalanceRow {
  units_consumed: string | number;
  accumulated_units: string | number;
  units_per_execution: string | number;
  last_used_at: Timestamp | null;
}

function toBalance(row: BalanceRow): Balance {
  const consumed = Number(row.units_consumed);
  const accumulated = Number(row.accumulated_units);
  return {
    accumulatedUnits: accumulated,
    unitsPerExecution: Number(row.units_per_execution),
    unitsConsumed: consumed,
    unitsRemaining: remaining(accumulated, consumed),
    lastUsedAt: isoOrNull(row.last_used_at),
  };
}

const balanceColumns = "units_consumed, accumulated_units, units_per_execution, last_used_at";

/**
 * Usage reports. Each is stored under its idempotency key and counted in the same transaction: the
 * key's row is inserted first (a concurrent twin waits on the unique index, then finds it), then the
 * license's `units_consumed` grows only where the balance allows it, under the row lock that update
 * takes. So a retry is counted once and concurrent executions never overdraw the balance.
 */
export class Usage {
  readonly #orm: Orm;
  readonly #now: () => Date;

  constructor(orm: Orm, now: () => Date) {
    this.#orm = orm;
    this.#now = now;
  }

  async report(
    license: LicenseRecord,
    report: UsageReport,
  ): Promise<Balance & { duplicate: boolean; units: number }> {
    const now = this.#now();
    requireUsable(license, now);
    if (report.fingerprint !== undefined) requireFingerprintAllowed(license, report.fingerprint);
    requireModeAllowed(license, report.executionMode);
    if (report.fingerprint !== undefined && license.availableActivations >= 0)
      await this.#requireKnownMachine(license, report.fingerprint);
    if (license.unitsPerExecution >= 0 && report.units > license.unitsPerExecution) {
      throw AppError.validation([
        {
          path: "units",
          message: `must be at most ${license.unitsPerExecution} (the license's units per execution)`,
        },
      ]);
    }
    let answer: BalanceRow & { duplicate: boolean; earlierUnits?: number };
    try {
      const row = await queryOne<{ answer: typeof answer }>(
        this.#orm,
        "select distribution.report_usage($1, $2, $3, $4, $5, $6, $7, $8, $9) as answer",
        [
          license.licenseId,
          report.idempotencyKey,
          report.units,
          license.accountId,
          license.products[0] ?? "",
          report.fingerprint ?? null,
          report.executionMode ?? null,
          report.at ? new Date(report.at) : null,
          now,
        ],
      );
      answer = row!.answer;
    } catch (error) {
      if (!raised(error, "units_exhausted")) throw error;
      const balance = await this.balance(license);
      throw new AppError(
        "units_exhausted",
        `Not enough units left: this execution needs ${report.units}, ${balance.unitsRemaining} remain`,
        { unitsRemaining: balance.unitsRemaining },
      );
    }
    if (answer.duplicate && Number(answer.earlierUnits) !== report.units) {
      throw new AppError(
        "conflict",
        "This idempotency key was already used for a report of another number of units; use a new key for a new execution",
      );
    }
    return { ...toBalance(answer), duplicate: answer.duplicate, units: report.units };
  }

  /**
   * A license that limits its activations is node-locked: its usage comes from machines that
   * activated it (active now or since ended: reports queued while it was active still count) or, for
   * a fleet, from collectors that held one of its leases. Any other fingerprint is refused.
   */
  async #requireKnownMachine(license: LicenseRecord, fingerprint: string): Promise<void> {
    const row = await queryOne<{ known: boolean }>(
      this.#orm,
      `select exists (select 1 from distribution.machines where license_id = $1 and fingerprint = $2)
           or exists (select 1 from distribution.leases where license_id = $1 and fingerprint = $2) as known`,
      [license.licenseId, fingerprint],
    );
    if (!row?.known) {
      throw new AppError(
        "fingerprint_mismatch",
        "This machine never activated this license (nor held one of its fleet seats): activate it before reporting usage",
      );
    }
  }

  async balance(license: Pick<LicenseRecord, "licenseId">): Promise<Balance> {
    const row = await queryOne<BalanceRow>(
      this.#orm,
      `select ${balanceColumns} from distribution.licenses where license_id = $1`,
      [license.licenseId],
    );
    if (!row) throw new AppError("not_found", "No license matches this key");
    return toBalance(row);
  }
}
