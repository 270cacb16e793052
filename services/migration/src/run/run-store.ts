// Where runs live: their progress and counts (written by the replica executing them, read by any),
// their issues, the account questions with the operators' decisions, and the owner links.
import {
  type AccountQuestion,
  type Actor,
  AppError,
  emptyMigrationCounts,
  type LegacySource,
  type MigrationCounts,
  type MigrationIssue,
  type MigrationRun,
  type RequestContext,
} from "@licensing/contracts";
import {
  type AuditRecord,
  type EntityManager,
  execute,
  listAudit,
  type Orm,
  query,
  queryOne,
  recordAudit,
} from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Decision } from "./owners.ts";

/**
 * A running run whose heartbeat is older than this was interrupted (its process died). Heartbeats
 * are written and compared with the database's clock (`now()`) only, never a replica's: replicas
 * whose clocks disagree still agree on which runs are alive.
 */
export const HEARTBEAT_TIMEOUT_MS = 30_000;
/** SQL: the run's heartbeat is older than the timeout, by the database's clock. */
const HEARTBEAT_STOPPED = `heartbeat_at < now() - make_interval(secs => ${HEARTBEAT_TIMEOUT_MS / 1000})`;
/** SQL: a run's row as #view reads it (whether its process died; its phase's age in seconds). */
const RUN_VIEW = `select *, (state = 'running' and ${HEARTBEAT_STOPPED}) as stopped,
  extract(epoch from now() - phase_started_at)::float8 as phase_seconds from migration.runs`;

export const emptyCounts = emptyMigrationCounts;

/** Why a run whose heartbeat stopped is interrupted. */
const DIED = "The process running it stopped; start the same apply again to resume it";

interface RunRow {
  id: string;
  source: LegacySource;
  location: string;
  mapping_text: string | null;
  mapping_label: string;
  mode: MigrationRun["mode"];
  state: MigrationRun["state"];
  phase: MigrationRun["phase"];
  total: number | null;
  processed: number;
  phase_started_at: Date;
  counts: MigrationCounts;
  unknown_products: MigrationRun["unknownProducts"];
  checkpoint_row: number | null;
  resumed_at_row: number | null;
  actor: Actor;
  started_at: Date;
  finished_at: Date | null;
  heartbeat_at: Date;
  cancelled_by: string | null;
  error: string | null;
}

interface RunViewRow extends RunRow {
  stopped: boolean;
  phase_seconds: number;
}

/** A run as its executor needs it: what to read, with which mapping, as whom, from where. */
export interface StoredRun {
  id: string;
  source: LegacySource;
  location: string;
  mappingText: string | null;
  mode: MigrationRun["mode"];
  checkpointRow: number | null;
  actor: Actor;
}

export interface Progress {
  phase: MigrationRun["phase"];
  total?: number | null;
  processed: number;
  counts: MigrationCounts;
  unknownProducts: MigrationRun["unknownProducts"];
  checkpointRow?: number | null;
}

export class RunStore {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  async create(run: {
    id: string;
    source: LegacySource;
    location: string;
    mappingText: string | null;
    mappingLabel: string;
    mode: MigrationRun["mode"];
    actor: Actor;
  }): Promise<MigrationRun> {
    // A run whose process died still says `running`: it ends as interrupted, so the source is free.
    await execute(
      this.#orm,
      `update migration.runs set state = 'interrupted', finished_at = heartbeat_at, error = $2
        where source = $1 and state = 'running' and ${HEARTBEAT_STOPPED}`,
      [run.source, DIED],
    );
    await this.#oneRunningPerSource(run.source, () =>
      execute(
        this.#orm,
        `insert into migration.runs (id, source, location, mapping_text, mapping_label, mode, state, phase,
         processed, phase_started_at, counts, unknown_products, actor, started_at, heartbeat_at)
       values ($1, $2, $3, $4, $5, $6, 'running', 'accounts', 0, now(), $7, '[]', $8, now(), now())`,
        [
          run.id,
          run.source,
          run.location,
          run.mappingText,
          run.mappingLabel,
          run.mode,
          JSON.stringify(emptyCounts()),
          JSON.stringify(run.actor),
        ],
      ),
    );
    return this.get(run.id);
  }

  /** An interrupted apply of the same source, location and mapping, to resume; claimed atomically. */
  async claimInterrupted(
    source: LegacySource,
    location: string,
    mappingText: string | null,
    actor: Actor,
  ): Promise<StoredRun | null> {
    const row = await this.#oneRunningPerSource(source, () =>
      queryOne<RunRow>(
        this.#orm,
        `update migration.runs set state = 'running', heartbeat_at = now(), resumed_at_row = checkpoint_row,
              actor = $4, error = null, finished_at = null, cancelled_by = null
        where id = (select id from migration.runs
                     where source = $1 and location = $2 and mapping_text is not distinct from $3
                       and mode = 'apply'
                       and (state = 'interrupted' or (state = 'running' and ${HEARTBEAT_STOPPED}))
                     order by id desc limit 1 for update skip locked)
        returning *`,
        [source, location, mappingText, JSON.stringify(actor)],
      ),
    );
    return row ? stored(row) : null;
  }

  /**
   * Runs a statement that makes a run of `source` running; the database's unique index
   * (runs_one_running_per_source) refuses a second one, whichever replica asks: `conflict`.
   */
  async #oneRunningPerSource<T>(source: LegacySource, statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (error) {
      if (
        !(
          error instanceof UniqueConstraintViolationException &&
          /runs_one_running_per_source/.test(error.message)
        )
      )
        throw error;
      const running = await queryOne<{ id: string }>(
        this.#orm,
        "select id from migration.runs where source = $1 and state = 'running'",
        [source],
      );
      throw new AppError(
        "conflict",
        `Run ${running?.id ?? "another run"} of ${source} is in progress; wait for it to end`,
        running ? { runId: running.id } : undefined,
      );
    }
  }

  async stored(id: string): Promise<StoredRun> {
    return stored(await this.#row(id));
  }

  /**
   * Records a running run's progress (its heartbeat); answers who asked it to stop, if anyone did
   * (`cancel`, from any replica), so the executor stops after its batch in flight.
   */
  async progress(id: string, progress: Progress): Promise<{ cancelledBy: string | null }> {
    const row = await queryOne<{ cancelled_by: string | null }>(
      this.#orm,
      `update migration.runs set
         phase_started_at = case when phase = $2 then phase_started_at else now() end,
         phase = $2, total = coalesce($3, total), processed = $4, counts = $5, unknown_products = $6,
         checkpoint_row = coalesce($7, checkpoint_row), heartbeat_at = now()
       where id = $1 and state = 'running' returning cancelled_by`,
      [
        id,
        progress.phase,
        progress.total ?? null,
        progress.processed,
        JSON.stringify(progress.counts),
        JSON.stringify(progress.unknownProducts),
        progress.checkpointRow ?? null,
      ],
    );
    return { cancelledBy: row?.cancelled_by ?? null };
  }

  /**
   * Asks a running run to stop after its batch in flight: a flag on its row, which the replica
   * executing it reads at its next heartbeat or checkpoint (whichever replica that is).
   */
  async cancel(id: string, by: string): Promise<MigrationRun> {
    const updated = await execute(
      this.#orm,
      `update migration.runs set cancelled_by = coalesce(cancelled_by, $2)
        where id = $1 and state = 'running' and not (${HEARTBEAT_STOPPED})`,
      [id, by],
    );
    const run = await this.get(id);
    if (updated === 0)
      throw new AppError(
        "invalid_state",
        `Run ${id} is ${run.state.replace("_", " ")}: only a running run can be cancelled`,
      );
    return run;
  }

  async finish(
    id: string,
    state: "done" | "failed" | "interrupted",
    error: string | null = null,
  ): Promise<void> {
    await this.#orm.em.fork().transactional(async (em) => {
      const row = await queryOne<{ counts: unknown; source: string; mode: string }>(
        em,
        `update migration.runs set state = $2, phase = case when $2 = 'done' then 'finished' else phase end,
           error = $3, finished_at = now(), heartbeat_at = now() where id = $1 returning counts, source, mode`,
        [id, state, error],
      );
      await recordAudit(em, {
        action: `migration-run.${state === "done" ? "finished" : state}`,
        entityType: "migration-run",
        entityId: id,
        reason: error,
        changes: { state: ["running", state], counts: [null, row?.counts ?? null] },
      });
    });
  }

  /** Records what an operator did to runs or account questions in the migration's audit log. */
  async audit(record: AuditRecord): Promise<void> {
    await recordAudit(this.#orm.em.fork(), record);
  }

  /** The migration's audit log (migration.audit.list). */
  auditLog(request: Parameters<typeof listAudit>[2]) {
    return listAudit(this.#orm.em.fork(), "migration", request);
  }

  async markRolledBack(id: string): Promise<void> {
    await execute(this.#orm, "update migration.runs set state = 'rolled_back' where id = $1", [id]);
  }

  async get(id: string): Promise<MigrationRun> {
    return this.#view(await this.#row(id));
  }

  async list(source: LegacySource | undefined, cursor: string | undefined, limit: number) {
    const rows = await query<RunViewRow>(
      this.#orm,
      `${RUN_VIEW} where ($1::text is null or source = $1) and ($2::text is null or id < $2)
        order by id desc limit $3`,
      [source ?? null, cursor ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => this.#view(row)),
      nextCursor: rows.length > limit ? page.at(-1)!.id : null,
    };
  }

  async addIssues(
    runId: string,
    issues: MigrationIssue[],
    em: EntityManager | Orm = this.#orm,
  ): Promise<void> {
    if (issues.length === 0) return;
    await execute(
      em,
      `insert into migration.run_issues (run_id, seq, table_name, "row", column_name, legacy_id, reason, message)
       select $1, coalesce((select max(seq) from migration.run_issues where run_id = $1), 0) + n,
              t, r, c, l, re, m
         from unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[])
              with ordinality as i(t, r, c, l, re, m, n)`,
      [
        runId,
        issues.map((i) => i.table),
        issues.map((i) => i.row),
        issues.map((i) => i.column),
        issues.map((i) => i.legacyId),
        issues.map((i) => i.reason),
        issues.map((i) => i.message),
      ],
    );
  }

  /** Issues a resumed run will find again: its main table's after the checkpoint, its joined tables'. */
  async dropIssuesAfter(runId: string, mainTable: string, row: number): Promise<void> {
    await execute(
      this.#orm,
      `delete from migration.run_issues where run_id = $1 and (table_name <> $2 or "row" > $3)`,
      [runId, mainTable, row],
    );
  }

  /** A run's issues in row order (those of one row in the order found), a page at a time. */
  async issues(runId: string, reason: string | undefined, cursor: string | undefined, limit: number) {
    await this.#row(runId);
    const [row, seq] = cursor === undefined ? [0, 0] : cursor.split(".").map(Number);
    if (!Number.isSafeInteger(row) || !Number.isSafeInteger(seq))
      throw new AppError("validation_failed", "cursor: not a cursor of this list", {
        issues: [{ path: "cursor", message: "not a cursor of this list" }],
      });
    const rows = await query<IssueRow & { seq: number }>(
      this.#orm,
      `select seq, table_name, "row", column_name, legacy_id, reason, message from migration.run_issues
        where run_id = $1 and ("row", seq) > ($2, $3) and ($4::text is null or reason = $4)
        order by "row", seq limit $5`,
      [runId, row, seq, reason ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(issueView),
      nextCursor: rows.length > limit && last ? `${last.row}.${last.seq}` : null,
    };
  }

  /** Every issue of a run in order, a page at a time (for the CSV report). */
  async *allIssues(runId: string): AsyncGenerator<MigrationIssue> {
    let after = [0, 0];
    for (;;) {
      const rows = await query<IssueRow & { seq: number }>(
        this.#orm,
        `select seq, table_name, "row", column_name, legacy_id, reason, message from migration.run_issues
          where run_id = $1 and ("row", seq) > ($2, $3) order by "row", seq limit 1000`,
        [runId, ...after],
      );
      for (const row of rows) yield issueView(row);
      if (rows.length < 1000) return;
      after = [rows.at(-1)!.row, rows.at(-1)!.seq];
    }
  }

  // ---------- accounts ----------

  async decisions(): Promise<Map<string, Decision>> {
    const rows = await query<{
      key: string;
      choice: "merge" | "separate";
      account_id: string | null;
      decided_by: string;
      decided_at: Date;
    }>(
      this.#orm,
      "select key, choice, account_id, decided_by, decided_at from migration.account_questions where choice is not null",
    );
    return new Map(
      rows.map((r) => [
        r.key,
        { choice: r.choice, accountId: r.account_id, decidedBy: r.decided_by, decidedAt: iso(r.decided_at) },
      ]),
    );
  }

  /** Records the questions a run met (their owners as they stand now); decisions are kept. */
  async saveQuestions(questions: Omit<AccountQuestion, "decision">[]): Promise<void> {
    if (questions.length === 0) return;
    await execute(
      this.#orm,
      `insert into migration.account_questions (key, reason, owners, candidates, updated_at)
       select k, r, o::jsonb, c::jsonb, now() from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as q(k, r, o, c)
       on conflict (key) do update set reason = excluded.reason, owners = excluded.owners,
         candidates = excluded.candidates, updated_at = excluded.updated_at`,
      [
        questions.map((q) => q.key),
        questions.map((q) => q.reason),
        questions.map((q) => JSON.stringify(q.owners)),
        questions.map((q) => JSON.stringify(q.candidates)),
      ],
    );
  }

  async questions(state: "open" | "decided" | "all"): Promise<AccountQuestion[]> {
    const rows = await query<QuestionRow>(
      this.#orm,
      `select * from migration.account_questions
        where ($1 = 'all' or ($1 = 'open') = (choice is null)) order by updated_at desc, key limit 1000`,
      [state],
    );
    return rows.map(questionView);
  }

  async decide(
    key: string,
    decision: { choice: "merge" | "separate"; accountId: string | null },
    by: string,
  ): Promise<AccountQuestion> {
    const row = await queryOne<QuestionRow>(
      this.#orm,
      `update migration.account_questions set choice = $2, account_id = $3, decided_by = $4, decided_at = now()
        where key = $1 returning *`,
      [key, decision.choice, decision.accountId, by],
    );
    if (!row) throw AppError.notFound("Account question", key);
    return questionView(row);
  }

  /** An operator's answer to an account question, decided and audited together. */
  async decideAudited(
    key: string,
    decision: { choice: "merge" | "separate"; accountId: string | null },
    ctx: RequestContext,
  ): Promise<AccountQuestion> {
    const by = ctx.actor?.username ?? "system";
    const question = await this.decide(key, decision, by);
    await this.audit({
      action: decision.choice === "merge" ? "account.merge-decided" : "account.separate-decided",
      entityType: "account-question",
      entityId: key,
      ctx,
      changes: { choice: [null, decision.choice], accountId: [null, decision.accountId] },
    });
    return question;
  }

  async links(): Promise<Map<string, string>> {
    const rows = await query<{ owner_key: string; account_id: string }>(
      this.#orm,
      "select owner_key, account_id from migration.owner_links",
    );
    return new Map(rows.map((r) => [r.owner_key, r.account_id]));
  }

  async link(ownerKeys: string[], accountId: string, runId: string): Promise<void> {
    await execute(
      this.#orm,
      `insert into migration.owner_links (owner_key, account_id, run_id, created_at)
       select k, $2, $3, now() from unnest($1::text[]) k on conflict (owner_key) do nothing`,
      [ownerKeys, accountId, runId],
    );
  }

  async #row(id: string): Promise<RunViewRow> {
    const row = await queryOne<RunViewRow>(this.#orm, `${RUN_VIEW} where id = $1`, [id]);
    if (!row) throw AppError.notFound("Migration run", id);
    return row;
  }

  #view(row: RunViewRow): MigrationRun {
    const interrupted = row.stopped;
    const seconds = row.phase_seconds;
    const rate = row.state === "running" && seconds > 0 && row.processed > 0 ? row.processed / seconds : null;
    const eta = rate !== null && row.total !== null ? Math.max(0, (row.total - row.processed) / rate) : null;
    return {
      id: row.id,
      source: row.source,
      location: row.location,
      mapping: row.mapping_label,
      mode: row.mode,
      state: interrupted ? "interrupted" : row.state,
      phase: row.phase,
      total: row.total,
      processed: row.processed,
      rowsPerSecond: interrupted || rate === null ? null : Math.round(rate * 10) / 10,
      etaSeconds: interrupted || eta === null ? null : Math.round(eta),
      counts: { ...emptyCounts(), ...row.counts },
      unknownProducts: row.unknown_products,
      resumedAtRow: row.resumed_at_row,
      startedBy: row.actor.username,
      startedAt: iso(row.started_at),
      finishedAt: row.finished_at ? iso(row.finished_at) : null,
      error: interrupted ? DIED : row.error,
    };
  }
}

interface IssueRow {
  table_name: string;
  row: number;
  column_name: string | null;
  legacy_id: string | null;
  reason: string;
  message: string;
}

interface QuestionRow {
  key: string;
  reason: string;
  owners: AccountQuestion["owners"];
  candidates: AccountQuestion["candidates"];
  choice: "merge" | "separate" | null;
  account_id: string | null;
  decided_by: string | null;
  decided_at: Date | null;
}

function stored(row: RunRow): StoredRun {
  return {
    id: row.id,
    source: row.source,
    location: row.location,
    mappingText: row.mapping_text,
    mode: row.mode,
    checkpointRow: row.checkpoint_row,
    actor: row.actor,
  };
}

function issueView(row: IssueRow): MigrationIssue {
  return {
    table: row.table_name,
    row: row.row,
    column: row.column_name,
    legacyId: row.legacy_id,
    reason: row.reason,
    message: row.message,
  };
}

function questionView(row: QuestionRow): AccountQuestion {
  return {
    key: row.key,
    reason: row.reason,
    owners: row.owners,
    candidates: row.candidates,
    decision:
      row.choice === null
        ? null
        : {
            choice: row.choice,
            accountId: row.account_id,
            decidedBy: row.decided_by ?? "",
            decidedAt: iso(row.decided_at!),
          },
  };
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
