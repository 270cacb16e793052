// The runs as operators start and follow them: checks before a run begins (who, which mapping,
// where), one run at a time per source (held by the run store's unique index), an interrupted apply
// resumed rather than started again, the run executed in this process, and its rollback.

import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { BusClient, HandlerContext } from "@licensing/bus";
import {
  type Actor,
  AppError,
  actorMay,
  issuer,
  type LegacySource,
  type MigrationRun,
  type migration,
  newId,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import type { Logger } from "@licensing/platform";
import { loadDefaultMapping, type MappingFile, parseMapping } from "../mapping/index.ts";
import { openSource } from "../sources/index.ts";
import { RunEngine } from "./run-engine.ts";
import type { RunStore } from "./run-store.ts";

export interface RunsDeps {
  bus: BusClient;
  store: RunStore;
  log: Logger;
  /** Export directories must be inside it. */
  root: string;
}

export class Runs {
  readonly #deps: RunsDeps;
  readonly #engine: RunEngine;
  readonly #executing = new Set<Promise<void>>();

  constructor(deps: RunsDeps) {
    this.#deps = deps;
    this.#engine = new RunEngine(deps);
  }

  async start(request: RequestOf<typeof migration.startRun>, ctx: HandlerContext): Promise<MigrationRun> {
    const actor = requireImporter(ctx);
    const { store } = this.#deps;
    const mapping = await this.#mapping(request.source, request.mapping);
    const location = await this.#location(request.location, mapping);
    const shown = hidePassword(location);
    const mappingText = request.mapping ?? null;
    const mode = request.dryRun ? "dry-run" : "apply";
    const resumed =
      mode === "apply" ? await store.claimInterrupted(request.source, shown, mappingText, actor) : null;
    const run =
      resumed ??
      (await store.stored(
        (
          await store.create({
            id: newId("run"),
            source: request.source,
            location: shown,
            mappingText,
            mappingLabel:
              mappingText === null
                ? "default"
                : `custom ${createHash("sha256").update(mappingText).digest("hex").slice(0, 12)}`,
            mode,
            actor,
          })
        ).id,
      ));
    ctx.log.info(
      { runId: run.id, source: run.source, mode, resumed: resumed !== null },
      "migration run started",
    );
    await store.audit({
      action: resumed ? "migration-run.resumed" : "migration-run.started",
      entityType: "migration-run",
      entityId: run.id,
      ctx,
      changes: {
        source: [null, run.source],
        mode: [null, mode],
        location: [null, shown],
        mapping: [null, mappingText === null ? "default" : "custom"],
      },
    });
    const execution = this.#engine.execute(run, location, mapping);
    this.#executing.add(execution);
    void execution.finally(() => this.#executing.delete(execution));
    return store.get(run.id);
  }

  async rollback(runId: string, ctx: RequestContext): Promise<MigrationRun> {
    requireImporter(ctx);
    const run = await this.#deps.store.get(runId);
    if (run.mode !== "apply" || run.state === "running" || run.state === "rolled_back")
      throw new AppError(
        "invalid_state",
        `Run ${runId} is ${run.mode === "apply" ? run.state.replace("_", " ") : "a dry run"}: only an applied run that has ended can be rolled back`,
      );
    try {
      await this.#deps.bus.request(issuer.rollbackMigration, { runId }, { ctx });
    } catch (error) {
      // A run that created no license (all unchanged, or all refused) has nothing to remove.
      if (!(error instanceof AppError && error.code === "not_found")) throw error;
    }
    await this.#deps.store.markRolledBack(runId);
    await this.#deps.store.audit({
      action: "migration-run.rolled-back",
      entityType: "migration-run",
      entityId: runId,
      ctx,
      changes: { state: [run.state, "rolled_back"] },
    });
    return this.#deps.store.get(runId);
  }

  /** Asks a running run to stop after its batch in flight (it ends interrupted, to resume). */
  async cancel(runId: string, ctx: HandlerContext): Promise<MigrationRun> {
    const actor = requireImporter(ctx);
    const run = await this.#deps.store.cancel(runId, actor.username);
    ctx.log.info({ runId, by: actor.username }, "migration run cancel asked");
    await this.#deps.store.audit({
      action: "migration-run.cancel-asked",
      entityType: "migration-run",
      entityId: runId,
      ctx,
    });
    return run;
  }

  /** Lets runs stop after their current batch, and waits for them (they end interrupted, to resume). */
  async stop(): Promise<void> {
    this.#engine.stop();
    await Promise.allSettled([...this.#executing]);
  }

  async #mapping(source: LegacySource, text: string | undefined): Promise<MappingFile> {
    if (text === undefined) return loadDefaultMapping(source);
    const mapping = parseMapping(text, "mapping");
    if (mapping.source !== source)
      throw new AppError(
        "validation_failed",
        `mapping: it is a mapping of ${mapping.source}, not of ${source} (its \`source\` says so)`,
        { issues: [{ path: "mapping", message: `source is ${mapping.source}, not ${source}` }] },
      );
    return mapping;
  }

  /** The location as the engine opens it; refused at once when it cannot be read. */
  async #location(given: string, mapping: MappingFile): Promise<string> {
    const invalid = (message: string) =>
      new AppError("validation_failed", `location: ${message}`, { issues: [{ path: "location", message }] });
    let location = given.trim();
    if (!/^[a-z]+:\/\//i.test(location)) {
      location = resolve(this.#deps.root, location);
      const inside = relative(this.#deps.root, location);
      if (inside.startsWith("..") || isAbsolute(inside))
        throw invalid(`${given} is outside the directory exports are read from (MIGRATION_ROOT)`);
      const info = await stat(location).catch(() => null);
      if (!info?.isDirectory()) throw invalid(`${given} is not a directory`);
    }
    let source: Awaited<ReturnType<typeof openSource>>;
    try {
      source = await openSource(location, mapping.csv ?? {});
    } catch (error) {
      throw invalid(
        `cannot be opened: ${error instanceof Error ? hidePassword(error.message) : String(error)}`,
      );
    }
    await source.close();
    return location;
  }
}

/** The acting user, when they may migrate (superadmins: `license.import`). */
export function requireImporter(ctx: RequestContext): Actor {
  if (!ctx.actor)
    throw new AppError("unauthorized", "This request carries no acting user (Lic-Actor header)");
  if (!actorMay(ctx.actor, "license.import"))
    throw new AppError("forbidden", `${ctx.actor.username} may not migrate legacy licenses`);
  return ctx.actor;
}

/** A database URL with its password replaced by `***` (anything else as it is). */
export function hidePassword(text: string): string {
  return text.replace(/(\b[a-z]+:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");
}
