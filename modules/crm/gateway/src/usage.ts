import {
  delegation,
  distribution,
  idOf,
  issuer,
  leaseSchema,
  licenseUsageSchema,
  machineSchema,
  usageSummarySchema,
} from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { z } from "zod";
import { AccountNames } from "./account-names.ts";
import {
  cockpitReportQuery,
  namedCockpitReportSchema,
  namedUsageReportSchema,
  usageReportQuery,
  usageSummaryQuery,
} from "./usage-query.ts";

const licenseRef = issuer.getLicense.request;
const tags = ["usage"];
/** What an operator may say about a deactivation or a release: the distribution service audits it. */
const operatorNote = z.strictObject({ reason: z.string().trim().max(1_000).optional() });

/**
 * How licenses are used, as the distribution service knows it: each route one distribution endpoint
 * (the report adds the catalog's account names). Reading needs `usage.read`; freeing a machine's
 * activation or a collector's seat needs `usage.manage`, and the distribution service records who.
 */
export const usageRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/licenses/:id/usage",
    {
      config: { access: "usage.read" },
      schema: {
        tags,
        summary: distribution.licenseUsage.summary,
        description:
          "Machines (active first, then the most recently ended; at most 500), downloads, the balance " +
          "(-1: unlimited), active machines against `availableActivations`, seats and the leases held now. " +
          "404 until the license has reached the distribution service (moments after it is issued).",
        params: licenseRef,
        response: { 200: licenseUsageSchema },
      },
    },
    (request) => call(request, distribution.licenseUsage, { licenseId: request.params.id }),
  );

  app.post(
    "/licenses/:id/machines/:machineId/deactivate",
    {
      config: { access: "usage.manage" },
      schema: {
        tags,
        summary: distribution.deactivateMachine.summary,
        description:
          "The machine's activation ends (`deactivated`) and one of the license's activations is free; the " +
          "product must activate again to run. Repeating it answers the machine as it is. Recorded with the " +
          "operator and the reason.",
        params: licenseRef.extend({ machineId: idOf("machine") }),
        body: operatorNote,
        response: { 200: machineSchema },
      },
    },
    (request) =>
      call(request, distribution.deactivateMachine, {
        licenseId: request.params.id,
        machineId: request.params.machineId,
        ...request.body,
      }),
  );

  app.post(
    "/licenses/:id/leases/:leaseId/release",
    {
      config: { access: "usage.manage" },
      schema: {
        tags,
        summary: distribution.releaseLease.summary,
        description:
          "The collector's fleet seat is free at once (it gets it back only if a seat is free when it next " +
          "renews). Repeating it answers the lease as it is. Recorded with the operator and the reason.",
        params: licenseRef.extend({ leaseId: idOf("lease") }),
        body: operatorNote,
        response: { 200: leaseSchema },
      },
    },
    (request) =>
      call(request, distribution.releaseLease, {
        licenseId: request.params.id,
        leaseId: request.params.leaseId,
        ...request.body,
      }),
  );

  app.get(
    "/usage/report",
    {
      config: { access: "usage.read" },
      schema: {
        tags,
        summary: distribution.usageReport.summary,
        description:
          "Rows per account and product (and per UTC day, week or month with `bucket`) over [`from`, `to`): " +
          "units and executions from the usage reports received, active machines whose activation overlapped " +
          "the period. Each row carries its account's name from the catalog. `totals` and `periods` (one entry " +
          "per period, for a chart) cover the whole selection, every page together. Pass `nextCursor` as " +
          "`cursor` for the next page (same selection).",
        querystring: usageReportQuery,
        response: { 200: namedUsageReportSchema },
      },
    },
    async (request) => {
      const report = await call(request, distribution.usageReport, request.query);
      return { ...report, items: await new AccountNames(call, request).named(report.items) };
    },
  );

  app.get(
    "/usage/cockpits",
    {
      config: { access: "usage.read" },
      schema: {
        tags,
        summary: delegation.report.summary,
        description:
          "One row per cockpit license holding a delegation certificate issued before `to` (ordered by license " +
          "id): its newest certificate's end and revocation, the seats its collectors hold now (as last " +
          "reported), and the machines, receipts, units and anomalies received or detected in [`from`, `to`). " +
          "Each row carries its account's name from the catalog. Pass `nextCursor` as `cursor` for the next page.",
        querystring: cockpitReportQuery,
        response: { 200: namedCockpitReportSchema },
      },
    },
    async (request) => {
      const report = await call(request, delegation.report, request.query);
      return { ...report, items: await new AccountNames(call, request).named(report.items) };
    },
  );

  app.get(
    "/usage/summary",
    {
      config: { access: "usage.read" },
      schema: {
        tags,
        summary: distribution.usageSummary.summary,
        description:
          "The dashboard's usage figures: units and executions per UTC day over the last `days` days (30 by " +
          "default) and their sum, machines holding an activation now and fleet leases held now.",
        querystring: usageSummaryQuery,
        response: { 200: usageSummarySchema },
      },
    },
    (request) => call(request, distribution.usageSummary, request.query),
  );
};
