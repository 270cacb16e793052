import { randomBytes } from "node:crypto";
import type { Logger, Worker } from "@licensing/platform";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { z } from "zod";
import type { Unpublished, WindowCounts } from "./window-counts.ts";

/** The core NATS subject on which the replicas of one deployment tell each other what they counted. */
export function rateLimitsSubject(prefix: string): string {
  return `${prefix}.distribution.rate-limits`;
}

/**
 * One report of a replica: `r` its id, `w` the start of the window (ms since the epoch), `c` the
 * increments since its last report as [key, count] pairs. Keys are what the limits count by (an
 * address, or a license key's lookup hash with a fingerprint), never a license key.
 */
export const rateLimitsReport = z.strictObject({
  r: z.string().min(1).max(64),
  w: z.number().int().nonnegative(),
  c: z.array(z.tuple([z.string().min(1).max(1_024), z.number().int().positive().max(1_000_000_000)])),
});
export type RateLimitsReport = z.infer<typeof rateLimitsReport>;

/**
 * Keys per report stop once their estimated size passes this, so a report stays far below NATS'
 * 1 MiB payload even if every character of a key were escaped; a flush sends as many as it needs.
 */
const reportBudgetBytes = 64 * 1024;
/** A report larger than any this code sends is not read. */
export const maxReportBytes = 4 * reportBudgetBytes;

/** Splits a replica's increments into reports under the size budget. */
export function encodeReports(replica: string, unpublished: Unpublished): Uint8Array[] {
  const reports: Uint8Array[] = [];
  let pairs: [string, number][] = [];
  let size = 0;
  const send = () => {
    const report: RateLimitsReport = { r: replica, w: unpublished.windowStart, c: pairs };
    reports.push(Buffer.from(JSON.stringify(report)));
    pairs = [];
    size = 0;
  };
  for (const [key, count] of unpublished.counts) {
    pairs.push([key, count]);
    size += key.length + 16;
    if (size >= reportBudgetBytes) send();
  }
  if (pairs.length > 0) send();
  return reports;
}

export interface RateLimitGossipOptions {
  nc: NatsConnection;
  prefix: string;
  counts: WindowCounts;
  /** How often this replica reports its increments. */
  intervalMs: number;
  log: Logger;
}

/**
 * Shares the rate-limit counts of the replicas of one deployment over core NATS: every
 * `intervalMs` this replica publishes what it counted since its last report, and adds what the
 * others report to its own counts. Nothing waits on NATS: while it is unreachable each replica
 * counts alone, and sharing resumes with the connection (the client resubscribes by itself).
 */
export class RateLimitGossip implements Worker {
  /** This replica's id, so it skips its own reports. */
  readonly replica = randomBytes(9).toString("base64url");
  readonly #options: RateLimitGossipOptions;
  readonly #subject: string;
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sent = 0;
  #received = 0;
  #ignored = 0;
  #publishFailed = false;

  constructor(options: RateLimitGossipOptions) {
    this.#options = options;
    this.#subject = rateLimitsSubject(options.prefix);
  }

  start(): void {
    if (this.#subscription) return;
    this.#subscription = this.#options.nc.subscribe(this.#subject, {
      callback: (error, message) => {
        if (error) this.#options.log.warn({ err: error }, "rate-limit reports: subscription error");
        else this.#receive(message);
      },
    });
    this.#timer = setInterval(() => this.flush(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  /** Publishes this replica's increments since the last report now. */
  flush(): void {
    const unpublished = this.#options.counts.takeUnpublished();
    if (!unpublished) return;
    try {
      for (const report of encodeReports(this.replica, unpublished)) {
        this.#options.nc.publish(this.#subject, report);
        this.#sent += 1;
      }
      this.#publishFailed = false;
    } catch (error) {
      // Closed or draining: the others go without these counts, this replica still has them.
      if (!this.#publishFailed)
        this.#options.log.warn({ err: error }, "rate-limit reports: could not publish; counting alone");
      this.#publishFailed = true;
    }
  }

  stats(): Record<string, unknown> {
    return {
      name: "rate-limit-gossip",
      replica: this.replica,
      keys: this.#options.counts.size,
      reportsSent: this.#sent,
      reportsReceived: this.#received,
      reportsIgnored: this.#ignored,
    };
  }

  #receive(message: Msg): void {
    if (message.data.length > maxReportBytes) {
      this.#ignore({ bytes: message.data.length }, "rate-limit report too large; ignored");
      return;
    }
    let parsed: ReturnType<typeof rateLimitsReport.safeParse>;
    try {
      parsed = rateLimitsReport.safeParse(message.json());
    } catch (error) {
      this.#ignore({ err: error }, "rate-limit report is not JSON; ignored");
      return;
    }
    if (!parsed.success) {
      this.#ignore({ issues: parsed.error.issues.slice(0, 3) }, "malformed rate-limit report; ignored");
      return;
    }
    const report = parsed.data;
    if (report.r === this.replica) return;
    this.#received += 1;
    this.#options.counts.addRemote(report.w, report.c);
  }

  #ignore(details: Record<string, unknown>, what: string): void {
    this.#ignored += 1;
    this.#options.log.warn({ subject: this.#subject, ...details }, what);
  }
}
