import { readFile } from "node:fs/promises";
import type { EndpointServer } from "@licensing/bus";
import { AppError, audit, migration } from "@licensing/contracts";
import { stringify } from "csv-stringify/sync";
import { defaultMappingPath } from "./mapping/index.ts";
import type { RunStore } from "./run/run-store.ts";
import { type Runs, requireImporter } from "./run/runs.ts";

export interface MigrationDomain {
  runs: Runs;
  store: RunStore;
}

/** The migration service's endpoints: every one for superadmins only (`license.import`). */
export function addMigrationEndpoints(server: EndpointServer, { runs, store }: MigrationDomain): void {
  server
    .add(migration.startRun, (request, ctx) => runs.start(request, ctx))
    .add(migration.getRun, (request, ctx) => {
      requireImporter(ctx);
      return store.get(request.runId);
    })
    .add(migration.listRuns, (request, ctx) => {
      requireImporter(ctx);
      return store.list(request.source, request.cursor, request.limit);
    })
    .add(migration.runIssues, (request, ctx) => {
      requireImporter(ctx);
      return store.issues(request.runId, request.reason, request.cursor, request.limit);
    })
    .add(migration.runReport, async (request, ctx) => {
      requireImporter(ctx);
      const run = await store.get(request.runId);
      const lines: unknown[][] = [
        ["run", run.id],
        ["source", run.source],
        ["mode", run.mode],
        ["state", run.state],
      ];
      for (const [name, value] of Object.entries(run.counts)) lines.push([name, value]);
      for (const { code, rows } of run.unknownProducts) lines.push(["unknown product", code, rows]);
      lines.push([], ["table", "row", "column", "legacy id", "reason", "message"]);
      for await (const i of store.allIssues(run.id))
        lines.push([i.table, i.row, i.column ?? "", i.legacyId ?? "", i.reason, i.message]);
      return { filename: `migration-${run.source}-${run.id}.csv`, csv: stringify(lines) };
    })
    .add(migration.rollbackRun, (request, ctx) => runs.rollback(request.runId, ctx))
    .add(migration.cancelRun, (request, ctx) => runs.cancel(request.runId, ctx))
    .add(migration.defaultMapping, async (request, ctx) => {
      requireImporter(ctx);
      return { source: request.source, yaml: await readFile(defaultMappingPath(request.source), "utf8") };
    })
    .add(migration.accountQuestions, (request, ctx) => {
      requireImporter(ctx);
      return store.questions(request.state).then((items) => ({ items }));
    })
    .add(migration.decideAccount, (request, ctx) => {
      requireImporter(ctx);
      if (request.choice === "separate" && request.accountId !== null)
        throw new AppError("validation_failed", "accountId: only a merge names an account", {
          issues: [{ path: "accountId", message: "only a merge names an account" }],
        });
      return store.decideAudited(request.key, request, ctx);
    })
    .add(audit.migration, (request) => store.auditLog(request));
}
