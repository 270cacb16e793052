// What `npm start` does for the distribution service beyond starting it: learn from its log where
// it listens, and say so once the platform is up.

export interface DistributionLaunch {
  /** Reads one JSON log line of the service. */
  onLogLine(line: string): void;
  /** What to print once the platform is up. */
  summary(): string[];
}

export function distributionLaunch(): DistributionLaunch {
  let url: string | undefined;
  return {
    onLogLine(line) {
      if (url || !line.startsWith("{")) return;
      try {
        const entry = JSON.parse(line) as { url?: string; service?: string };
        if (entry.url && entry.service === "distribution") url = entry.url;
      } catch {
        // not a log line of ours
      }
    },
    summary: () =>
      url
        ? [
            `Distribution API     ${url}/v1 (OpenAPI ${url}/v1/docs; products use it with @licensing/client)`,
            `Try the collector:   npm run example:collector -- --key LK-… --server ${url}`,
          ]
        : ["Distribution API     (not listening yet)"],
  };
}
