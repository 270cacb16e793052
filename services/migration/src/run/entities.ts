import { defineEntity, p } from "@mikro-orm/core";

// The migration schema. Runs are written by the replica that executes them (progress, checkpoint,
// heartbeat) and read by any replica; the statements are plain SQL in run-store.ts, and these
// entities describe the tables so the schema is generated and checked from them.

/** One dry run or apply of one source. */
export const RunEntity = defineEntity({
  name: "Run",
  tableName: "runs",
  properties: {
    id: p.text().primary(),
    source: p.text(),
    /** As the operator gave it, its password hidden (a URL's password is never stored). */
    location: p.text(),
    /** The custom mapping's text, kept so an interrupted apply resumes with the same mapping. */
    mappingText: p.text().nullable(),
    mappingLabel: p.text(),
    mode: p.enum(["dry-run", "apply"] as const),
    state: p.enum(["running", "done", "failed", "interrupted", "rolled_back"] as const),
    /** `counting` is only a phase of runs started by an earlier release (rows are now counted in `accounts`). */
    phase: p.enum(["counting", "accounts", "importing", "finished"] as const),
    total: p.integer().nullable(),
    processed: p.integer().default(0),
    phaseStartedAt: p.datetime(),
    counts: p.json(),
    unknownProducts: p.json(),
    /** The last main-table row whose license, account and consumption are all stored (apply). */
    checkpointRow: p.integer().nullable(),
    resumedAtRow: p.integer().nullable(),
    /** The operator who started it, as the services are asked on their behalf. */
    actor: p.json(),
    startedAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
    /** Refreshed while the run executes: a running run without it for long was interrupted. */
    heartbeatAt: p.datetime(),
    /** Who asked a running run to stop: the replica executing it reads it at each heartbeat. */
    cancelledBy: p.text().nullable(),
    error: p.text().nullable(),
  },
  indexes: [{ name: "runs_by_source", properties: ["source", "startedAt"] }],
  // One run at a time per source, held by the database whichever replica starts it (runs.ts).
  uniques: [{ name: "runs_one_running_per_source", properties: ["source"], where: "state = 'running'" }],
});

/** A row a run could not take as it is. */
export const RunIssueEntity = defineEntity({
  name: "RunIssue",
  tableName: "run_issues",
  properties: {
    runId: p.text().primary(),
    seq: p.integer().primary(),
    table: p.text().fieldName("table_name"),
    row: p.integer(),
    column: p.text().nullable().fieldName("column_name"),
    legacyId: p.text().nullable(),
    reason: p.text(),
    message: p.text(),
  },
  indexes: [{ name: "run_issues_by_row", properties: ["runId", "row"] }],
});

/** Owners the matching could not settle alone, and the operator's decision. */
export const AccountQuestionEntity = defineEntity({
  name: "AccountQuestion",
  tableName: "account_questions",
  properties: {
    key: p.text().primary(),
    reason: p.text(),
    owners: p.json(),
    candidates: p.json(),
    choice: p.enum(["merge", "separate"] as const).nullable(),
    accountId: p.text().nullable(),
    decidedBy: p.text().nullable(),
    decidedAt: p.datetime().nullable(),
    updatedAt: p.datetime(),
  },
});

/** Which account an owner (normalized company name) became: later runs keep it. */
export const OwnerLinkEntity = defineEntity({
  name: "OwnerLink",
  tableName: "owner_links",
  properties: {
    ownerKey: p.text().primary(),
    accountId: p.text(),
    runId: p.text(),
    createdAt: p.datetime(),
  },
});

export const migrationEntities = [RunEntity, RunIssueEntity, AccountQuestionEntity, OwnerLinkEntity];
