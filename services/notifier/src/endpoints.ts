import type { EndpointServer } from "@licensing/bus";
import { notifier } from "@licensing/contracts";
import type { DigestRuns } from "./domain/digest-runs.ts";
import type { Digests } from "./domain/digests.ts";
import type { DigestScheduler } from "./domain/scheduler.ts";
import type { SettingsStore } from "./domain/settings.ts";
import { notifierState } from "./domain/state.ts";

export interface NotifierDomain {
  settings: SettingsStore;
  runs: DigestRuns;
  digests: Digests;
  scheduler: DigestScheduler;
  now: () => Date;
}

/** The notifier's endpoints: each contract mapped to the rule that answers it. */
export function addNotifierEndpoints(server: EndpointServer, domain: NotifierDomain): void {
  const { settings, runs, digests, scheduler, now } = domain;
  server
    .add(notifier.getSettings, () => settings.view())
    .add(notifier.updateSettings, async (request, ctx) => {
      const updated = await settings.update(request, ctx.actor);
      ctx.log.info({ version: updated.version, by: ctx.actor?.username }, "notification settings changed");
      // This replica looks at once; the others at their next poll (within a minute).
      scheduler.wake();
      return updated;
    })
    .add(notifier.preview, (request) => digests.preview(request.day))
    .add(notifier.sendTest, async (request, ctx) => {
      const sent = await digests.sendTest(request.to);
      ctx.log.info({ messageId: sent.messageId, accepted: sent.accepted.length }, "test digest sent");
      return sent;
    })
    .add(notifier.state, () => notifierState(settings, runs, now()));
}
