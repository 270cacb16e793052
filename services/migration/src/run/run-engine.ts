// One run of one source (docs/migration.md, "Runs"): map and validate every row while gathering the
// owners and counting the main table's rows (the total), match the owners to accounts, then go
// through the rows again and import them in batches (or, in a dry run, ask the issuer what importing
// them would do): the source is read twice, and no row is kept in memory. An apply
// records a checkpoint after each batch whose licenses, accounts and consumption are all stored, so a
// resumed run goes on after it; every step is idempotent, so a batch done twice changes nothing.
import type { BusClient } from "@licensing/bus";
import {
  type Account,
  type Actor,
  AppError,
  catalog,
  distribution,
  issuer,
  type LegacyConsumptionItem,
  type LegacyLicenseItem,
  type MigrationCounts,
  type MigrationIssue,
  newId,
  type RequestContext,
} from "@licensing/contracts";
import type { Logger } from "@licensing/platform";
import {
  type LegacyLicense,
  type MappingFile,
  type MappingIssue,
  type MappingResult,
  mapSource,
} from "../mapping/index.ts";
import { openSource } from "../sources/index.ts";
import { consumptionOf, importItem } from "./legacy-items.ts";
import { contactsOf, displayName, matchOwners, OwnerBook, type Resolution } from "./owners.ts";
import { emptyCounts, type RunStore, type StoredRun } from "./run-store.ts";

/** Licenses per import request: big enough to amortize a round trip, small enough to answer fast. */
const BATCH = 200;
/** Progress is written at most this often while reading (the counts at every checkpoint). */
const PROGRESS_EVERY = 2_000;
const HEARTBEAT_MS = 5_000;
/** Batches in flight at once: the issuer signs one while distribution carries another's consumption. */
const IN_FLIGHT = 3;
/** A batch the services could not take (unreachable, timed out) is tried again this many times. */
const ATTEMPTS = 3;

export interface RunEngineDeps {
  bus: BusClient;
  store: RunStore;
  log: Logger;
}

interface Pending {
  license: LegacyLicense;
  item: LegacyLicenseItem;
}

/** Up to BATCH licenses to send at once, and what became of the rows they span (counted once settled). */
interface Batch {
  pending: Pending[];
  /** The last main-table row it spans: the checkpoint once it is settled. */
  lastRow: number;
  outcome: { counts: MigrationCounts; issues: MigrationIssue[] };
}

function emptyBatch(): Batch {
  return { pending: [], lastRow: 0, outcome: { counts: emptyCounts(), issues: [] } };
}

function rowIssue(license: LegacyLicense, reason: string, message: string): MigrationIssue {
  return {
    table: license.table,
    row: license.row,
    column: null,
    legacyId: license.legacyId,
    reason,
    message,
  };
}

export class RunEngine {
  readonly #deps: RunEngineDeps;
  #stopping = false;

  constructor(deps: RunEngineDeps) {
    this.#deps = deps;
  }

  /** Asks running runs to stop after their current batch (they end `interrupted`, to resume). */
  stop(): void {
    this.#stopping = true;
  }

  /**
   * Executes a stored run to its end, recording its state; never throws. `location` is the run's
   * location with its password (the store keeps it hidden).
   */
  async execute(run: StoredRun, location: string, mapping: MappingFile): Promise<void> {
    const { store, log } = this.#deps;
    const execution = new Execution(this.#deps, run, location, mapping, () => this.#stopping);
    // Between the progress written while reading, the heartbeat says the run is still alive (and
    // learns whether an operator cancelled it).
    const heartbeat = setInterval(() => execution.save().catch(() => {}), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      await execution.execute();
      const cancelledBy = execution.cancelledBy;
      if (cancelledBy !== null) {
        const resume = run.mode === "apply" ? "; start the same apply again to resume it" : "";
        await store.finish(run.id, "interrupted", `Cancelled by ${cancelledBy}${resume}`);
        log.info({ runId: run.id, source: run.source, cancelledBy }, "migration run cancelled");
      } else {
        await store.finish(run.id, this.#stopping ? "interrupted" : "done");
        log.info({ runId: run.id, source: run.source, mode: run.mode }, "migration run finished");
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const resumable =
        run.mode === "apply" && !(error instanceof AppError && error.code === "validation_failed");
      log.warn({ runId: run.id, err: error }, "migration run stopped");
      await store.finish(run.id, resumable ? "interrupted" : "failed", message).catch(() => {});
    } finally {
      clearInterval(heartbeat);
    }
  }
}

/** The state of one run while it executes. */
class Execution {
  readonly #deps: RunEngineDeps;
  readonly #run: StoredRun;
  readonly #location: string;
  readonly #mapping: MappingFile;
  readonly #serviceStopping: () => boolean;
  /** Who cancelled the run (read from its row at each save), or null. */
  cancelledBy: string | null = null;
  readonly #ctx: RequestContext;
  readonly #checkpoint: number;
  #phase: "accounts" | "importing" = "accounts";
  #processed = 0;
  #total: number | null = null;
  #counts: MigrationCounts = emptyCounts();
  readonly #unknownProducts = new Map<string, number>();
  #issues: MigrationIssue[] = [];
  readonly #inFlight: { batch: Batch; sent: Promise<void> }[] = [];

  constructor(
    deps: RunEngineDeps,
    run: StoredRun,
    location: string,
    mapping: MappingFile,
    stopping: () => boolean,
  ) {
    this.#deps = deps;
    this.#run = run;
    this.#location = location;
    this.#mapping = mapping;
    this.#serviceStopping = stopping;
    this.#ctx = { requestId: newId("request"), actor: run.actor as Actor };
    this.#checkpoint = run.checkpointRow ?? 0;
  }

  /** The service stops, or an operator cancelled the run: stop after the batch in flight. */
  #stopping(): boolean {
    return this.#serviceStopping() || this.cancelledBy !== null;
  }

  async execute(): Promise<void> {
    const { store } = this.#deps;
    if (this.#checkpoint > 0) {
      // A resumed apply: what it did up to its checkpoint stands; what came after is done again.
      const before = await store.get(this.#run.id);
      this.#counts = { ...before.counts };
      for (const key of [
        "rows",
        "valid",
        "invalid",
        "accountsCreated",
        "accountsMatched",
        "accountsAmbiguous",
      ] as const)
        this.#counts[key] = 0;
    }
    // A run resumed before its first checkpoint (stopped or cancelled while matching accounts) finds
    // every issue again: those it recorded go. A new run has none, so this removes nothing.
    await store.dropIssuesAfter(this.#run.id, this.#mapping.main.table, this.#checkpoint);
    const source = await openSource(this.#location, this.#mapping.csv ?? {});
    try {
      const products = await this.#catalogProducts();
      const owners = new OwnerBook();
      // Until this pass ends the total is unknown (a resumed run shows the one it had).
      for await (const result of mapSource(source, this.#mapping)) {
        // Stopped before the owners are all known: nothing is matched or imported.
        if (this.#stopping()) return;
        const mapped = this.#validate(result, products);
        if (mapped) owners.add(mapped);
        if (result.ok || result.table === this.#mapping.main.table) await this.#tick();
      }
      this.#total = this.#counts.rows;
      await this.#flushIssues();
      const accountOf = await this.#accounts(owners);
      this.#enter("importing");
      let batch = emptyBatch();
      try {
        for await (const result of mapSource(source, this.#mapping)) {
          if (this.#stopping()) break;
          if (result.ok || result.table === this.#mapping.main.table) this.#processed++;
          if (
            !result.ok ||
            this.#unknownIn(result.license, products) ||
            result.license.row <= this.#checkpoint
          )
            continue;
          batch.lastRow = result.license.row;
          const resolution = accountOf(result.license);
          if (resolution.kind === "awaiting") {
            batch.outcome.counts.awaitingAccount++;
            batch.outcome.issues.push(
              rowIssue(
                result.license,
                "awaiting_account",
                `The account of ${result.license.ownerCompany} awaits a decision (question ${resolution.questionKey})`,
              ),
            );
            continue;
          }
          const accountId = resolution.kind === "matched" ? resolution.accountId : null;
          batch.pending.push({ license: result.license, item: importItem(result.license, accountId) });
          if (batch.pending.length >= BATCH) {
            await this.#send(batch);
            batch = emptyBatch();
          }
        }
        if (batch.lastRow > 0) await this.#send(batch);
      } finally {
        await this.#drain();
      }
      await this.#flushIssues();
      this.#processed = this.#total ?? this.#processed;
      await this.save();
    } finally {
      await source.close();
    }
  }

  snapshot() {
    return {
      phase: this.#phase,
      total: this.#total,
      processed: this.#processed,
      counts: this.#counts,
      unknownProducts: [...this.#unknownProducts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([code, rows]) => ({ code, rows })),
    };
  }

  async #catalogProducts(): Promise<Set<string>> {
    const { items } = await this.#deps.bus.request(catalog.listProducts, {}, { ctx: this.#ctx });
    return new Set(items.map((p) => p.code));
  }

  /** Counts a mapped row; records why it is not a license. Answers the license when it is one. */
  #validate(result: MappingResult, products: Set<string>): LegacyLicense | null {
    const isMain = result.ok || result.table === this.#mapping.main.table;
    if (isMain) this.#counts.rows++;
    if (!result.ok) {
      if (isMain) this.#counts.invalid++;
      for (const issue of result.issues) {
        if (issue.reason === "unknown_product" && issue.value !== undefined)
          this.#unknownProduct(issue.value);
        this.#issueAfterCheckpoint(issue, result.legacyId);
      }
      return null;
    }
    const unknown = result.license.products.filter((code) => !products.has(code));
    if (unknown.length > 0) {
      this.#counts.invalid++;
      for (const code of unknown) {
        this.#unknownProduct(code);
        this.#issueAfterCheckpoint(
          {
            table: result.license.table,
            row: result.license.row,
            column: null,
            reason: "unknown_product",
            message: `products: ${code} is not a product of the catalog`,
          },
          result.license.legacyId,
        );
      }
      return null;
    }
    this.#counts.valid++;
    return result.license;
  }

  #unknownIn(license: LegacyLicense, products: Set<string>): boolean {
    return license.products.some((code) => !products.has(code));
  }

  #unknownProduct(code: string) {
    this.#unknownProducts.set(code, (this.#unknownProducts.get(code) ?? 0) + 1);
  }

  #issueAfterCheckpoint(issue: MappingIssue, legacyId: string | null) {
    if (issue.row <= this.#checkpoint && issue.table === this.#mapping.main.table) return;
    this.#issues.push({
      table: issue.table,
      row: issue.row,
      column: issue.column,
      legacyId,
      reason: issue.reason,
      message: issue.message,
    });
  }

  /** Matches the owners; in an apply, creates the accounts to create. Answers each license's account. */
  async #accounts(owners: OwnerBook): Promise<(license: LegacyLicense) => Resolution> {
    const { store, bus } = this.#deps;
    const [accounts, decisions, links] = await Promise.all([
      this.#catalogAccounts(),
      store.decisions(),
      store.links(),
    ]);
    const live = new Set(accounts.map((a) => a.id));
    // An owner keeps the account an earlier apply gave it, while that account is still there.
    const linked = new Map([...links].filter(([, id]) => live.has(id)));
    const unlinked = new Map([...owners.groups].filter(([key]) => !linked.has(key)));
    const matching = matchOwners(unlinked, accounts, decisions);
    await store.saveQuestions(matching.questions);
    const resolutions = new Map<string, Resolution>();
    for (const [key, accountId] of linked)
      if (owners.groups.has(key)) resolutions.set(key, { kind: "matched", accountId });
    const created = new Map<string, string>();
    for (const [key, resolution] of matching.resolutions) {
      if (resolution.kind === "create") {
        for (const member of resolution.groups) resolutions.set(member, resolution);
        if (!created.has(resolution.newKey)) created.set(resolution.newKey, "");
      } else resolutions.set(key, resolution);
    }
    for (const resolution of resolutions.values()) {
      if (resolution.kind === "matched") this.#counts.accountsMatched++;
      if (resolution.kind === "awaiting") this.#counts.accountsAmbiguous++;
    }
    this.#counts.accountsCreated = created.size;
    if (this.#run.mode === "apply") {
      for (const newKey of created.keys()) {
        const resolution = resolutions.get(newKey) as Extract<Resolution, { kind: "create" }>;
        const groups = resolution.groups.map((k) => owners.groups.get(k)!).filter(Boolean);
        groups.sort((a, b) => b.licenses - a.licenses);
        const externalIds = [...new Set(groups.flatMap((g) => [...g.externalIds]))];
        const account = await bus.request(
          catalog.createAccount,
          {
            type: "customer",
            name: displayName(groups[0]!),
            contacts: contactsOf(groups),
            ...(externalIds.length === 1 ? { externalId: externalIds[0]! } : {}),
            notes: `Created by migration run ${this.#run.id} from ${[...new Set(groups.flatMap((g) => [...g.sources]))].join(", ")}`,
          },
          { ctx: this.#ctx },
        );
        await store.link(resolution.groups, account.id, this.#run.id);
        for (const member of resolution.groups)
          resolutions.set(member, { kind: "matched", accountId: account.id });
      }
      for (const [key, resolution] of resolutions)
        if (resolution.kind === "matched" && !linked.has(key))
          await store.link([key], resolution.accountId, this.#run.id);
    }
    await this.save();
    return (license) => {
      const key = owners.keyOf(license);
      return resolutions.get(key) ?? { kind: "awaiting", questionKey: "" };
    };
  }

  /** Every account of the catalog (archived ones cannot take licenses, so they are not matched). */
  async #catalogAccounts(): Promise<Account[]> {
    const accounts: Account[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#deps.bus.request(
        catalog.searchAccounts,
        { limit: 500, ...(cursor ? { cursor } : {}) },
        { ctx: this.#ctx },
      );
      accounts.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return accounts;
  }

  /**
   * Sends a batch while earlier ones are still in flight (the services work on several at once);
   * their outcomes are counted, and checkpointed, in row order as each completes.
   */
  async #send(batch: Batch): Promise<void> {
    const sent = this.#run.mode === "dry-run" ? this.#preview(batch) : this.#import(batch);
    sent.catch(() => {}); // awaited in order by #settle
    this.#inFlight.push({ batch, sent });
    if (this.#inFlight.length >= IN_FLIGHT) await this.#settle();
  }

  /** Waits for the oldest batch in flight, and records its outcome and the checkpoint after it. */
  async #settle(): Promise<void> {
    const { batch, sent } = this.#inFlight.shift()!;
    await sent;
    for (const [key, n] of Object.entries(batch.outcome.counts))
      this.#counts[key as keyof MigrationCounts] += n;
    this.#issues.push(...batch.outcome.issues);
    await this.#flushIssues();
    await this.save(batch.lastRow);
  }

  /** Settles every batch still in flight, in order; after a failure, waits for the others to end. */
  async #drain(): Promise<void> {
    try {
      while (this.#inFlight.length > 0) await this.#settle();
    } finally {
      await Promise.allSettled(this.#inFlight.splice(0).map((f) => f.sent));
    }
  }

  async #preview(batch: Batch): Promise<void> {
    const { counts, issues } = batch.outcome;
    if (batch.pending.length === 0) return;
    const { items } = await this.#retry(() =>
      this.#deps.bus.request(
        issuer.previewLegacy,
        { items: batch.pending.map((p) => p.item) },
        { ctx: this.#ctx },
      ),
    );
    for (const result of items) {
      const { license } = batch.pending[result.index]!;
      if (result.outcome === "created") counts.new++;
      else if (result.outcome === "updated") counts.updated++;
      else if (result.outcome === "unchanged") counts.unchanged++;
      else {
        counts.conflicting++;
        issues.push(
          rowIssue(license, "conflict", result.message ?? "The legacy key belongs to another license"),
        );
      }
    }
  }

  async #import(batch: Batch): Promise<void> {
    const { counts, issues } = batch.outcome;
    if (batch.pending.length === 0) return;
    const { items } = await this.#retry(() =>
      this.#deps.bus.request(
        issuer.importLegacy,
        { runId: this.#run.id, items: batch.pending.map((p) => p.item) },
        { ctx: this.#ctx, timeoutMs: 60_000 },
      ),
    );
    const consumption: { license: LegacyLicense; item: LegacyConsumptionItem }[] = [];
    for (const result of items) {
      const { license } = batch.pending[result.index]!;
      if (result.outcome === "failed") {
        const conflict = result.error?.code === "conflict";
        if (conflict) counts.conflicting++;
        else counts.failed++;
        const detail = result.error?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ");
        issues.push(
          rowIssue(
            license,
            conflict ? "conflict" : "import_failed",
            `${result.error?.message ?? "refused"}${detail ? ` (${detail})` : ""}`,
          ),
        );
        continue;
      }
      if (result.outcome === "created") counts.new++;
      else if (result.outcome === "updated") counts.updated++;
      else counts.unchanged++;
      const carried = consumptionOf(license, result.licenseId!);
      if (carried) consumption.push({ license, item: carried });
    }
    if (consumption.length === 0) return;
    const answer = await this.#retry(() =>
      this.#deps.bus.request(
        distribution.importLegacyConsumption,
        { runId: this.#run.id, items: consumption.map((c) => c.item) },
        { ctx: this.#ctx, timeoutMs: 60_000 },
      ),
    );
    for (const result of answer.items) {
      if (result.outcome === "failed")
        issues.push(
          rowIssue(
            consumption[result.index]!.license,
            "consumption_failed",
            result.error?.message ?? "refused",
          ),
        );
      else counts.consumptionCarried++;
    }
  }

  /** Tries a batch again when the service did not answer (each step is idempotent). */
  async #retry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const transient = error instanceof AppError && error.code === "service_unavailable";
        if (!transient || attempt >= ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
  }

  async #flushIssues() {
    const issues = this.#issues;
    this.#issues = [];
    for (let i = 0; i < issues.length; i += 1_000)
      await this.#deps.store.addIssues(this.#run.id, issues.slice(i, i + 1_000));
  }

  #enter(phase: "importing") {
    this.#phase = phase;
    this.#processed = 0;
  }

  async #tick() {
    this.#processed++;
    if (this.#processed % PROGRESS_EVERY === 0) {
      await this.#flushIssues();
      await this.save();
    }
  }

  async save(checkpointRow?: number) {
    const { cancelledBy } = await this.#deps.store.progress(this.#run.id, {
      ...this.snapshot(),
      ...(checkpointRow !== undefined && this.#run.mode === "apply" ? { checkpointRow } : {}),
    });
    this.cancelledBy ??= cancelledBy;
  }
}
