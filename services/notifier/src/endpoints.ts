import type { EndpointServer } from "@licensing/bus";
import { audit, notifier } from "@licensing/contracts";
import { listAudit, type Orm, recordAudit } from "@licensing/platform";
import type { DigestRuns } from "./domain/digest-runs.ts";
import type { Digests } from "./domain/digests.ts";
import type { DigestScheduler } from "./domain/scheduler.ts";
import type { SettingsStore } from "./domain/settings.ts";
import { notifierState } from "./domain/state.ts";

export interface NotifierDomain {
  orm: Orm;
  settings: SettingsStore;
  runs: DigestRuns;
  digests: Digests;
  scheduler: DigestScheduler;
  now: () => Date;
}

/** The notifier's endpoints: each contract mapped to the rule that answers it. */
export function addNotifierEndpoints(server: EndpointServer, domain: NotifierDomain): void {
  const { orm, settings, runs, digests, scheduler, now } = domain;
  server
    .add(notifier.getSettings, () => settings.view())
    .add(notifier.updateSettings, async (request, ctx) => {
      const updated = await settings.update(request, ctx.actor, ctx.requestId);
      ctx.log.info({ version: updated.version, by: ctx.actor?.username }, "notification settings changed");
      // This replica looks at once; the others at their next poll (within a minute).
      scheduler.wake();
      return updated;
    })
    .add(notifier.preview, (request) => digests.preview(request.day))
    .add(notifier.sendTest, async (request, ctx) => {
      const sent = await digests.sendTest(request.to);
      await recordAudit(orm.em.fork(), {
        action: "settings.test-email-sent",
        entityType: "settings",
        entityId: "notifications",
        ctx,
        changes: { to: [null, request.to] },
      });
      ctx.log.info({ messageId: sent.messageId, accepted: sent.accepted.length }, "test digest sent");
      return sent;
    })
    .add(notifier.state, () => notifierState(settings, runs, now()))
    .add(audit.notifier, (request) => listAudit(orm.em.fork(), "notifier", request));
}
