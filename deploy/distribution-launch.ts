// What `npm start` does for the distribution service beyond starting it: learn from its start-up
// message where it listens (not from its log, which LOG_LEVEL may silence), and say so once the
// platform is up.
import type { StartedMessage } from "@licensing/platform";

export interface DistributionLaunch {
  /** Takes the service's start-up message. */
  onStarted(message: StartedMessage): void;
  /** What to print once the platform is up. */
  summary(): string[];
}

export function distributionLaunch(): DistributionLaunch {
  let url: string | undefined;
  return {
    onStarted(message) {
      url = message.url ?? message.listening;
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
