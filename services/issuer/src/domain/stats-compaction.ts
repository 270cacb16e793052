import { type Logger, type Orm, query, type Worker } from "@licensing/platform";

/**
 * Folds the dashboard roll-ups' delta rows into one row per bucket every `everyMs`, so reading them
 * stays cheap however many licenses change. One replica at a time (the function takes a lock).
 */
export function statsCompaction(orm: Orm, log: Logger, everyMs = 60_000): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const compact = async () => {
    try {
      await query(orm.em.fork(), "select issuer.stats_compact()");
    } catch (error) {
      log.warn({ err: error }, "folding the dashboard roll-ups failed; will retry");
    }
  };
  return {
    start() {
      timer = setInterval(() => {
        running = compact();
      }, everyMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
