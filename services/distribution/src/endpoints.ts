import type { EndpointServer } from "@licensing/bus";
import { AppError, audit, distribution, type RequestContext } from "@licensing/contracts";
import { listAudit, type Orm, recordAudit } from "@licensing/platform";
import type { Leases } from "./domain/leases.ts";
import { LegacyConsumption } from "./domain/legacy-consumption.ts";
import type { Machines } from "./domain/machines.ts";
import { licenseUsage, usageReport } from "./domain/reports.ts";
import { usageSummary } from "./domain/summary.ts";
import type { Updates } from "./domain/updates.ts";
import type { Usage } from "./domain/usage.ts";

export interface OperatorDomain {
  orm: Orm;
  machines: Machines;
  usage: Usage;
  leases: Leases;
  updates: Updates;
  now: () => Date;
}

/** The NATS endpoints operators' tools call (the gateway checks their roles first). */
export function addDistributionEndpoints(server: EndpointServer, domain: OperatorDomain): void {
  const { orm, machines, leases } = domain;
  const legacyConsumption = new LegacyConsumption(orm);
  server
    .add(distribution.importLegacyConsumption, (request, ctx) => legacyConsumption.carry(request, ctx))
    .add(distribution.licenseUsage, (request) => licenseUsage(orm, domain, request.licenseId))
    .add(distribution.deactivateMachine, async (request, ctx) => {
      const actor = requireActor(ctx);
      const ended = await machines.deactivate(request.licenseId, { id: request.machineId }, "operator");
      if (ended) {
        await orm.em.fork().transactional((em) =>
          recordAudit(em, {
            action: "machine.deactivated",
            entityType: "machine",
            entityId: request.machineId,
            actor,
            ctx,
            reason: request.reason ?? null,
            // The license it held, unchanged: named for context.
            changes: { status: ["active", "deactivated"], licenseId: [request.licenseId, request.licenseId] },
          }),
        );
        ctx.log.info(
          { actor: actor.username, machineId: request.machineId },
          "machine deactivated by an operator",
        );
        return ended;
      }
      // Already ended: answer it as it is (a repeated click is not an error).
      const machine = (await machines.list(request.licenseId)).find((m) => m.id === request.machineId);
      if (!machine) throw AppError.notFound("Machine", request.machineId);
      return machine;
    })
    .add(distribution.releaseLease, async (request, ctx) => {
      const actor = requireActor(ctx);
      const released = await leases.release(request.licenseId, { id: request.leaseId }, "operator");
      if (released) {
        await orm.em.fork().transactional((em) =>
          recordAudit(em, {
            action: "lease.released",
            entityType: "lease",
            entityId: request.leaseId,
            actor,
            ctx,
            reason: request.reason ?? null,
            changes: { status: ["held", "released"], licenseId: [request.licenseId, request.licenseId] },
          }),
        );
        ctx.log.info({ actor: actor.username, leaseId: request.leaseId }, "lease released by an operator");
        return released;
      }
      const lease = await leases.get(request.licenseId, request.leaseId);
      if (!lease) throw AppError.notFound("Lease", request.leaseId);
      return lease;
    })
    .add(distribution.usageReport, (request) => usageReport(orm, request))
    .add(distribution.usageSummary, (request) => usageSummary(orm, domain.now(), request.days))
    .add(distribution.releaseDownloads, (request) => domain.updates.downloads(request.releaseId))
    .add(audit.distribution, (request) => listAudit(orm.em.fork(), "distribution", request));
}

function requireActor(ctx: RequestContext) {
  if (!ctx.actor)
    throw new AppError("unauthorized", "This request carries no acting user (Lic-Actor header)");
  return ctx.actor;
}
