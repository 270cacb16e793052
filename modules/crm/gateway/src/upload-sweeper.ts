import type { ArtifactStore } from "@licensing/artifacts";
import type { FastifyBaseLogger } from "fastify";

/** How many completed uploads are asked about at once. */
const BATCH = 500;

export interface UploadSweepDeps {
  store: ArtifactStore;
  /** Which of these keys a release holds (the catalog answers). */
  known: (keys: string[]) => Promise<string[]>;
  /** Uploads unchanged for this long are looked at; younger ones may still be on their way. */
  abandonedAfterMs: number;
  now: () => Date;
}

/**
 * Removes the uploads nobody will use: those never finished within `abandonedAfterMs` of their last
 * chunk, and finished ones no release holds (the gateway stopped between the last byte and
 * attaching the file, or the attachment was refused and its removal failed). A finished upload is
 * removed only when the catalog answered that no release holds it.
 */
export async function sweepUploads(
  deps: UploadSweepDeps,
): Promise<{ unfinished: number; unattached: number }> {
  const cutoff = deps.now().getTime() - deps.abandonedAfterMs;
  let unfinished = 0;
  let unattached = 0;
  let finished: string[] = [];
  const removeUnknown = async () => {
    const known = new Set(await deps.known(finished));
    for (const key of finished.filter((k) => !known.has(k))) {
      await deps.store.remove(key);
      unattached++;
    }
    finished = [];
  };
  for await (const upload of deps.store.list()) {
    if (upload.changedAt.getTime() > cutoff) continue;
    if (!upload.completed) {
      await deps.store.remove(upload.key);
      unfinished++;
      continue;
    }
    finished.push(upload.key);
    if (finished.length === BATCH) await removeUnknown();
  }
  if (finished.length > 0) await removeUnknown();
  return { unfinished, unattached };
}

/**
 * Sweeps every `everyMs` (the first time a minute after start) while the gateway runs; a failed
 * sweep is logged and tried again next time. Each replica sweeps on its own: a removal is idempotent.
 */
export function scheduleUploadSweep(deps: UploadSweepDeps & { everyMs: number; log: FastifyBaseLogger }): {
  stop: () => Promise<void>;
} {
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return;
    running = sweepUploads(deps)
      .then((removed) => {
        if (removed.unfinished + removed.unattached > 0) deps.log.info(removed, "release uploads swept");
      })
      .catch((error: unknown) =>
        deps.log.warn({ err: error }, "the sweep of abandoned release uploads failed"),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(sweep, Math.min(60_000, deps.everyMs));
  const timer = setInterval(sweep, deps.everyMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
