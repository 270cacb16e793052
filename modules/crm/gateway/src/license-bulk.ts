import {
  AppError,
  type BulkAction,
  bulkActions,
  bulkLicenseRequest,
  bulkLicenseResponse,
  issuer,
  type LicenseDetail,
  MAX_BULK_ITEMS,
} from "@licensing/contracts";
import type { GatewayModuleOptions, GatewayModulePlugin } from "@licensing/gateway/module";
import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import { runBulk } from "./bulk-runner.ts";

type BulkRequest = z.output<typeof bulkLicenseRequest>;

/** The issuer's idempotency key of one item: the same bulk run never changes a license twice. */
export const itemKey = (bulkId: string, action: BulkAction, id: string) => `bulk ${bulkId} ${action} ${id}`;

/** The licenses a request names: its list, or every license its filter matches (at most the cap). */
async function targets(call: GatewayModuleOptions["call"], request: FastifyRequest, body: BulkRequest) {
  if (body.ids) return body.ids;
  const page = await call(request, issuer.listLicenses, {
    ...body.filter,
    sort: "createdAt",
    order: "asc",
    limit: MAX_BULK_ITEMS + 1,
  });
  if (page.items.length > MAX_BULK_ITEMS)
    throw AppError.validation([
      {
        path: "filter",
        message: `matches more than ${MAX_BULK_ITEMS} licenses; narrow the filter or send the ids in parts`,
      },
    ]);
  return page.items.map((license) => license.id);
}

/** One license through its single-license issuer endpoint, as the same operator. */
function applyTo(
  call: GatewayModuleOptions["call"],
  request: FastifyRequest,
  body: BulkRequest,
  id: string,
): Promise<LicenseDetail> {
  const idempotencyKey = itemKey(body.bulkId, body.action, id);
  switch (body.action) {
    case "renew":
      return call(request, issuer.renew, { ...body.params, id, idempotencyKey });
    case "notice":
      return call(request, issuer.setNotice, { ...body.params, id, idempotencyKey });
    // Suspending and reinstating take no idempotency key: a repeat finds the license already in
    // the state asked for, which the result reports (see `alreadyThere`), and changes nothing.
    case "suspend":
      return call(request, issuer.suspend, { ...body.params, id });
    case "reinstate":
      return call(request, issuer.reinstate, { ...body.params, id });
  }
}

/** A state change asked for twice (a retried bulk) is done, not refused: the license is as asked. */
const alreadyThere: Partial<Record<BulkAction, string>> = { suspend: "suspended", reinstate: "active" };

/**
 * `POST /api/licenses/bulk`: the loop lives in the gateway (`runBulk`), one license at a time through the
 * same issuer endpoints as the single actions, so each item is checked, signed, audited and
 * published exactly as if done by hand, and one refusal never stops the rest.
 */
export const licenseBulkRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.post(
    "/licenses/bulk",
    {
      // Reading licenses lets the request in; the action's own right is checked below, before any item.
      config: { access: "license.read" },
      schema: {
        tags: ["licenses"],
        summary: "Renew, suspend, reinstate or change the notice days of many licenses",
        description:
          `Listed licenses (\`ids\`) or every license matching \`filter\` (the list's filters), at most ` +
          `${MAX_BULK_ITEMS} a request (400 beyond). Each action needs the right of its single action: ` +
          "renew and notice `license.renew`, suspend `license.suspend`, reinstate `license.reinstate` " +
          "(403 before anything is done). Items run one after the other; the answer has one result per " +
          "license: `done`, `refused` (the license does not allow it, with the code and reason) or `failed` " +
          "(a service was unavailable: send the same request again). Renewals and notice changes carry " +
          "an idempotency key derived from `bulkId` and the license id, so a repeated request changes " +
          "nothing twice; a repeated suspension or reinstatement finds the license as asked and reports it done.",
        body: bulkLicenseRequest,
        response: { 200: bulkLicenseResponse },
      },
    },
    async (request) => {
      const body = request.body;
      const wanted = alreadyThere[body.action];
      return runBulk(request, body, {
        noun: "license",
        right: bulkActions[body.action],
        targets: () => targets(call, request, body),
        apply: (id) => applyTo(call, request, body, id),
        report: ({ status, endDate, notifyDays, serial }) => ({ status, endDate, notifyDays, serial }),
        repeat:
          wanted === undefined
            ? undefined
            : {
                read: (id) => call(request, issuer.getLicense, { id }),
                asked: (now) => now.state === wanted,
                message: `Already ${wanted}`,
              },
      });
    },
  );
};
