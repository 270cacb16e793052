import type { EndpointServer } from "@licensing/bus";
import { AppError, audit, delegation, distribution, type RequestContext } from "@licensing/contracts";
import { listAudit, type Orm, recordAudit } from "@licensing/platform";
import { cockpitReport, delegationCollectors, delegationStatus } from "./domain/delegation-status.ts";
import type { Delegations } from "./domain/delegations.ts";
import type { Leases } from "./domain/leases.ts";
import { LegacyConsumption } from "./domain/legacy-consumption.ts";
import { licenseById } from "./domain/licenses.ts";
import type { Machines } from "./domain/machines.ts";
import type { Receipts } from "./domain/receipts.ts";
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
  delegations: Delegations;
  receipts: Receipts;
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
  addDelegationEndpoints(server, domain);
}

/** Operators' side of fleet delegation (issue 19): air-gapped requests and receipts, revocation, status. */
function addDelegationEndpoints(server: EndpointServer, domain: OperatorDomain): void {
  const { orm, delegations, receipts } = domain;
  const audited = (
    ctx: RequestContext,
    action: string,
    entity: [string, string],
    changes: object,
    reason?: string,
  ) =>
    orm.em.fork().transactional((em) =>
      recordAudit(em, {
        action,
        entityType: entity[0],
        entityId: entity[1],
        actor: requireActor(ctx),
        ctx,
        reason: reason ?? null,
        changes: changes as never,
      }),
    );
  server
    .add(delegation.status, (request) => delegationStatus(orm, request.licenseId))
    .add(delegation.collectors, (request) => delegationCollectors(orm, request))
    .add(delegation.report, (request) => cockpitReport(orm, request))
    .add(delegation.answerOfflineRequest, async (request, ctx) => {
      requireActor(ctx);
      const answer = await delegations.issue(request.request, {
        offline: true,
        licenseId: request.licenseId,
      });
      await audited(ctx, "delegation.issued", ["delegation", answer.certificateId], {
        serial: [null, answer.serial],
        expiresAt: [null, answer.expiresAt],
        offline: [null, true],
      });
      return answer;
    })
    .add(delegation.revoke, async (request, ctx) => {
      requireActor(ctx);
      await licenseById(orm, request.licenseId);
      const revoked = await delegations.revoke(request.licenseId, request.reason);
      if (revoked > 0)
        await audited(
          ctx,
          "delegation.revoked",
          ["license", request.licenseId],
          { delegation: ["active", "revoked"], certificates: [revoked, revoked] },
          request.reason,
        );
      return delegationStatus(orm, request.licenseId);
    })
    .add(delegation.importReceipts, async (request, ctx) => {
      requireActor(ctx);
      const answer = await receipts.import(await licenseById(orm, request.licenseId), request.upload);
      await audited(ctx, "receipts.imported", ["license", request.licenseId], {
        receipts: [null, answer.accepted],
        units: [null, answer.units],
        anomalies: [null, answer.anomalies.length],
      });
      return answer;
    });
}

function requireActor(ctx: RequestContext) {
  if (!ctx.actor)
    throw new AppError("unauthorized", "This request carries no acting user (Lic-Actor header)");
  return ctx.actor;
}
