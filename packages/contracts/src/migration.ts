import { z } from "zod";
import { defineEndpoint } from "./endpoint.ts";
import { legacySourceSchema } from "./issuer.ts";
import { idOf, pageOf, pageRequest, text, timestamp } from "./schema.ts";

// The migration service (issue 14, docs/migration.md): runs that bring a legacy source's licenses,
// accounts and consumption in, first as a dry run, then applied; and the operator's decisions on
// accounts the matching could not settle alone.

export const migrationModes = ["dry-run", "apply"] as const;
export const migrationRunStates = ["running", "done", "failed", "interrupted", "rolled_back"] as const;
/**
 * Where a running run is: reading the source to validate its rows and match accounts (counting the
 * rows as it goes), importing, then finished. `counting` (a pass of its own) is only ever a phase of
 * runs started by an earlier release: kept, as an answer's enum value is never removed.
 */
export const migrationPhases = ["counting", "accounts", "importing", "finished"] as const;

/** A mapping file (YAML or JSON text), at most. */
export const MAX_MAPPING_BYTES = 256 * 1024;

const count = z.number().int().min(0);

/** What a run found and did, per legacy license row of its source's main table. */
export const migrationCountsSchema = z.object({
  /** Main-table rows read so far. */
  rows: count,
  /** Rows that mapped to a license candidate. */
  valid: count,
  /** Rows that did not (unreadable, missing or invalid values, unknown products, duplicates). */
  invalid: count,
  /** Candidates not yet in the platform (dry run: would be created). */
  new: count,
  /** Candidates in the platform whose content changed (a new version). */
  updated: count,
  /** Candidates already in the platform as they are. */
  unchanged: count,
  /** Candidates whose legacy key already belongs to another license. */
  conflicting: count,
  /** Candidates the issuer refused at apply (each with its reason among the issues). */
  failed: count,
  /** Candidates whose account awaits an operator's decision (not imported until decided). */
  awaitingAccount: count,
  /** Licenses whose legacy consumption was carried into distribution. */
  consumptionCarried: count,
  /** Accounts created (dry run: that would be), matched to existing ones, or ambiguous. */
  accountsCreated: count,
  accountsMatched: count,
  accountsAmbiguous: count,
});
export type MigrationCounts = z.infer<typeof migrationCountsSchema>;

/** Every count at zero: where a run starts. */
export function emptyMigrationCounts(): MigrationCounts {
  return Object.fromEntries(
    Object.keys(migrationCountsSchema.shape).map((key) => [key, 0]),
  ) as MigrationCounts;
}

export const migrationRunSchema = z.object({
  id: z.string(),
  source: legacySourceSchema,
  /** Where it reads: a directory or a database URL, its password hidden. */
  location: z.string(),
  /** `default`, or `custom` and the SHA-256 of the mapping text, first 12 hex digits. */
  mapping: z.string(),
  mode: z.enum(migrationModes),
  state: z.enum(migrationRunStates),
  phase: z.enum(migrationPhases),
  /** Rows of the main table; null until the accounts phase has read them all (then known). */
  total: z.number().int().nullable(),
  /** Main-table rows processed in the current phase. */
  processed: count,
  rowsPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  counts: migrationCountsSchema,
  /** Product codes found in the source but unknown to the mapping or the catalog, with their rows. */
  unknownProducts: z.array(z.object({ code: z.string(), rows: count })),
  /** For an apply that resumed an interrupted one: where it went on from (a main-table row). */
  resumedAtRow: z.number().int().nullable(),
  startedBy: z.string(),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
  error: z.string().nullable(),
});
export type MigrationRun = z.infer<typeof migrationRunSchema>;

/** One row a run could not take as it is, and why. */
export const migrationIssueSchema = z.object({
  table: z.string(),
  row: z.number().int(),
  column: z.string().nullable(),
  legacyId: z.string().nullable(),
  /** A mapping reason (invalid_date, unknown_product…), or conflict, import_failed, awaiting_account. */
  reason: z.string(),
  message: z.string(),
});
export type MigrationIssue = z.infer<typeof migrationIssueSchema>;

export const startMigrationRequest = z.strictObject({
  source: legacySourceSchema,
  /** A directory of exports readable by the migration service, or a `mysql://` / `mssql://` URL. */
  location: text(2_000),
  /** A mapping file's text; left out, the source's default mapping. */
  mapping: z
    .string()
    .max(MAX_MAPPING_BYTES, { message: `must be at most ${MAX_MAPPING_BYTES} characters` })
    .optional(),
  /** Report what would happen without changing anything (the default: a dry run comes first). */
  dryRun: z.boolean().default(true),
});

const runRef = z.strictObject({ runId: idOf("run") });

/** A group of legacy owners that may be one customer, with the accounts they may be. */
export const accountQuestionSchema = z.object({
  /** Stable across runs: the same owners ask the same question. */
  key: z.string(),
  /** Why the matching could not decide alone. */
  reason: z.string(),
  owners: z.array(
    z.object({
      name: z.string(),
      sources: z.array(z.string()),
      emailDomains: z.array(z.string()),
      licenses: count,
    }),
  ),
  /** Catalog accounts the owners may be. */
  candidates: z.array(z.object({ accountId: z.string(), name: z.string() })),
  decision: z
    .object({
      choice: z.enum(["merge", "separate"]),
      /** For `merge`: the catalog account they all become, or null for one new account. */
      accountId: z.string().nullable(),
      decidedBy: z.string(),
      decidedAt: timestamp,
    })
    .nullable(),
});
export type AccountQuestion = z.infer<typeof accountQuestionSchema>;

export const decideAccountRequest = z.strictObject({
  key: z.string().trim().min(1).max(100),
  /** `merge`: the owners are one customer (accountId, or null for a new account); `separate`: they are not. */
  choice: z.enum(["merge", "separate"]),
  accountId: idOf("account").nullable().default(null),
});

export const migration = {
  startRun: defineEndpoint({
    service: "migration",
    subject: "migration.run.start",
    summary: "Start a dry run or an apply of one legacy source (an interrupted apply resumes)",
    request: startMigrationRequest,
    response: migrationRunSchema,
    errors: ["validation_failed", "conflict", "forbidden", "unauthorized"],
  }),
  getRun: defineEndpoint({
    service: "migration",
    subject: "migration.run.get",
    summary: "One migration run: its state, progress and counts",
    request: runRef,
    response: migrationRunSchema,
    errors: ["validation_failed", "not_found"],
  }),
  listRuns: defineEndpoint({
    service: "migration",
    subject: "migration.run.list",
    summary: "Migration runs, newest first, a page at a time",
    request: z.strictObject({ source: legacySourceSchema.optional(), ...pageRequest }),
    response: pageOf(migrationRunSchema),
    errors: ["validation_failed"],
  }),
  runIssues: defineEndpoint({
    service: "migration",
    subject: "migration.run.issues",
    summary: "The rows a run could not take as they are, in row order, a page at a time",
    request: runRef.extend({ reason: z.string().trim().max(50).optional(), ...pageRequest }),
    response: pageOf(migrationIssueSchema),
    errors: ["validation_failed", "not_found"],
  }),
  runReport: defineEndpoint({
    service: "migration",
    subject: "migration.run.report",
    summary: "A run's report as CSV: its counts, then every row it could not take, with the reason",
    request: runRef,
    response: z.object({ filename: z.string(), csv: z.string() }),
    errors: ["validation_failed", "not_found"],
  }),
  rollbackRun: defineEndpoint({
    service: "migration",
    subject: "migration.run.rollback",
    summary: "Remove the licenses an applied run created, while none has changed since",
    request: runRef,
    response: migrationRunSchema,
    errors: ["validation_failed", "not_found", "invalid_state", "conflict", "forbidden", "unauthorized"],
  }),
  cancelRun: defineEndpoint({
    service: "migration",
    subject: "migration.run.cancel",
    summary:
      "Stop a running run after its batch in flight: it ends interrupted (an apply resumes when started again)",
    request: runRef,
    response: migrationRunSchema,
    errors: ["validation_failed", "not_found", "invalid_state", "forbidden", "unauthorized"],
  }),
  defaultMapping: defineEndpoint({
    service: "migration",
    subject: "migration.mapping.default",
    summary: "The default mapping file of a legacy source (YAML), to read or adapt",
    request: z.strictObject({ source: legacySourceSchema }),
    response: z.object({ source: legacySourceSchema, yaml: z.string() }),
    errors: ["validation_failed"],
  }),
  accountQuestions: defineEndpoint({
    service: "migration",
    subject: "migration.account.questions",
    summary: "Legacy owners the account matching could not settle alone, open or decided",
    request: z.strictObject({ state: z.enum(["open", "decided", "all"]).default("open") }),
    response: z.object({ items: z.array(accountQuestionSchema) }),
    errors: ["validation_failed"],
  }),
  decideAccount: defineEndpoint({
    service: "migration",
    subject: "migration.account.decide",
    summary: "Settle an account question: the owners are one customer (which account), or not",
    request: decideAccountRequest,
    response: accountQuestionSchema,
    errors: ["validation_failed", "not_found", "forbidden", "unauthorized"],
  }),
};
