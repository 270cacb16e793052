import { createLogger, startMetricsServer } from "@licensing/platform";
// The services' own metrics register in the same (default) registry when their module loads.
import "@licensing/distribution/metrics";
import "@licensing/notifier/metrics";

/**
 * The names of every series a service exports, as Prometheus sees them: the platform's metrics and
 * the services' own (distribution's, the notifier's) started in-process and scraped once (Node's
 * defaults included), histograms expanded to their
 * `_bucket`/`_sum`/`_count` series, plus the `up` Prometheus adds to each target.
 */
export async function exportedMetricNames(): Promise<Set<string>> {
  const server = (await startMetricsServer("probe", 0, createLogger("probe", "silent")))!;
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    const names = new Set(["up"]);
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(name!);
      if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
      if (type === "summary") for (const suffix of ["_sum", "_count"]) names.add(name + suffix);
    }
    return names;
  } finally {
    await server.close();
  }
}

const promqlWords = new Set([
  "by",
  "without",
  "and",
  "or",
  "unless",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "inf",
  "nan",
]);

/** The metric names a PromQL expression reads (not its functions, labels, strings or keywords). */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !promqlWords.has(n.toLowerCase())))];
}
