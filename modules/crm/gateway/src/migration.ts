import {
  accountQuestionSchema,
  decideAccountRequest,
  migration,
  migrationIssueSchema,
  migrationRunSchema,
  pageOf,
} from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { z } from "zod";

// Issue 14's migration of the legacy license databases (docs/migration.md), for the Settings →
// Migration page: each route one migration endpoint, all of them superadmin only (`license.import`).

const access = "license.import" as const;
const tags = ["migration"];
const runRef = migration.getRun.request;

/** Room for the largest mapping the contract takes (256 Ki characters, up to 4 bytes each in UTF-8). */
const startBodyLimit = 2 * 1024 * 1024;

/** A file name as a `Content-Disposition` header may quote it: no quotes, backslashes or controls. */
export function headerSafeFilename(name: string): string {
  const safe = name.replace(/["\\\p{Cc}]/gu, "").trim();
  return safe === "" ? "migration-report.csv" : safe;
}

export const migrationRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/migration/runs",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.listRuns.summary,
        querystring: migration.listRuns.request,
        response: { 200: pageOf(migrationRunSchema) },
      },
    },
    (request) => call(request, migration.listRuns, request.query),
  );

  app.post(
    "/migration/runs",
    {
      config: { access },
      bodyLimit: startBodyLimit,
      schema: {
        tags,
        summary: migration.startRun.summary,
        description:
          "Answers at once with the run in state `running`; read its progress with `GET /api/migration/runs/{runId}`. " +
          "`dryRun` (the default) changes nothing; an apply imports, and one started while an apply of the same " +
          "source was interrupted resumes it.",
        body: migration.startRun.request,
        response: { 201: migrationRunSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await call(request, migration.startRun, request.body)),
  );

  app.get(
    "/migration/runs/:runId",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.getRun.summary,
        params: runRef,
        response: { 200: migrationRunSchema },
      },
    },
    (request) => call(request, migration.getRun, request.params),
  );

  app.get(
    "/migration/runs/:runId/issues",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.runIssues.summary,
        params: runRef,
        querystring: migration.runIssues.request.omit({ runId: true }),
        response: { 200: pageOf(migrationIssueSchema) },
      },
    },
    (request) => call(request, migration.runIssues, { ...request.query, runId: request.params.runId }),
  );

  app.get(
    "/migration/runs/:runId/report.csv",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.runReport.summary,
        description:
          "A download (`Content-Disposition: attachment`), UTF-8 with a byte order mark so spreadsheets read " +
          "accents right.",
        params: runRef,
      },
    },
    async (request, reply) => {
      const report = await call(request, migration.runReport, request.params);
      const bom = report.csv.startsWith("\uFEFF") ? "" : "\uFEFF";
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="${headerSafeFilename(report.filename)}"`)
        .send(bom + report.csv);
    },
  );

  app.post(
    "/migration/runs/:runId/rollback",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.rollbackRun.summary,
        description:
          "Only a finished apply can be rolled back (else `invalid_state`); a license of the run changed since " +
          "(renewed, suspended, used…) makes it a 409 `conflict`, and nothing is removed.",
        params: runRef,
        response: { 200: migrationRunSchema },
      },
    },
    (request) => call(request, migration.rollbackRun, request.params),
  );

  app.post(
    "/migration/runs/:runId/cancel",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.cancelRun.summary,
        description:
          "Answers at once with the run still `running`: it stops after its batch in flight (within seconds, " +
          "whichever replica executes it) and ends `interrupted`, its `error` naming who cancelled it. A run " +
          "that is not running is a 409 `invalid_state`.",
        params: runRef,
        response: { 200: migrationRunSchema },
      },
    },
    (request) => call(request, migration.cancelRun, request.params),
  );

  app.get(
    "/migration/mappings/:source",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.defaultMapping.summary,
        params: migration.defaultMapping.request,
        response: { 200: migration.defaultMapping.response },
      },
    },
    (request) => call(request, migration.defaultMapping, request.params),
  );

  app.get(
    "/migration/account-questions",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.accountQuestions.summary,
        querystring: migration.accountQuestions.request,
        response: { 200: z.object({ items: z.array(accountQuestionSchema) }) },
      },
    },
    (request) => call(request, migration.accountQuestions, request.query),
  );

  app.post(
    "/migration/account-questions/:key/decision",
    {
      config: { access },
      schema: {
        tags,
        summary: migration.decideAccount.summary,
        description: "The decision applies to the runs started after it.",
        params: decideAccountRequest.pick({ key: true }),
        body: decideAccountRequest.omit({ key: true }),
        response: { 200: accountQuestionSchema },
      },
    },
    (request) => call(request, migration.decideAccount, { ...request.body, key: request.params.key }),
  );
};
