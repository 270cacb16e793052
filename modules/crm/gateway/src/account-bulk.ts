import {
  type Account,
  AppError,
  bulkAccountActions,
  bulkAccountRequest,
  bulkAccountResponse,
  catalog,
  MAX_BULK_ITEMS,
} from "@licensing/contracts";
import type { GatewayModuleOptions, GatewayModulePlugin } from "@licensing/gateway/module";
import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import { runBulk } from "./bulk-runner.ts";

type BulkRequest = z.output<typeof bulkAccountRequest>;
type Call = GatewayModuleOptions["call"];

/** The accounts a request names: its list, or every account its filter matches (at most the cap). */
async function targets(call: Call, request: FastifyRequest, body: BulkRequest): Promise<string[]> {
  if (body.ids) return body.ids;
  // Counted first: the search's pages stop at the cap, so "more than the cap" needs the count.
  const { count } = await call(request, catalog.countAccounts, body.filter!);
  if (count > MAX_BULK_ITEMS)
    throw AppError.validation([
      {
        path: "filter",
        message: `matches more than ${MAX_BULK_ITEMS} accounts; narrow the filter or send the ids in parts`,
      },
    ]);
  const page = await call(request, catalog.searchAccounts, { ...body.filter!, limit: MAX_BULK_ITEMS });
  return page.items.map((account) => account.id);
}

/** One account through its single-account catalog endpoint, as the same operator. */
function applyTo(call: Call, request: FastifyRequest, body: BulkRequest, id: string): Promise<Account> {
  switch (body.action) {
    case "promote":
      return call(request, catalog.promoteAccount, { id });
  }
}

/**
 * `POST /api/accounts/bulk`: the accounts' counterpart of `POST /api/licenses/bulk`. The loop lives
 * in `runBulk`, one account at a time through the catalog endpoint of the single action, so each change is
 * checked, audited and published exactly as if done by hand, and one refusal never stops the rest.
 */
export const accountBulkRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.post(
    "/accounts/bulk",
    {
      // Reading accounts lets the request in; the action's own right is checked below, before any item.
      config: { access: "account.read" },
      schema: {
        tags: ["accounts"],
        summary: "Promote many prospect accounts to customers",
        description:
          `Listed accounts (\`ids\`) or every account matching \`filter\` (the search's filters), at most ` +
          `${MAX_BULK_ITEMS} a request (400 beyond). Each action needs the right of its single action: ` +
          "promote `account.write` (403 before anything is done). Items run one after the other; the answer " +
          "has one result per account: `done` (an account already a customer is done, `Already a customer`), " +
          "`refused` (the account does not allow it, e.g. archived, with the code and reason) or `failed` (a " +
          "service was unavailable: send the same request again).",
        body: bulkAccountRequest,
        response: { 200: bulkAccountResponse },
      },
    },
    async (request) => {
      const body = request.body;
      return runBulk(request, body, {
        noun: "account",
        right: bulkAccountActions[body.action],
        targets: () => targets(call, request, body),
        apply: (id) => applyTo(call, request, body, id),
        report: (account) => ({ type: account.type, version: account.version }),
        // A promotion asked for twice (a retried run, or a customer among the selection) finds the
        // account as asked: done, and said so, as a repeated bulk suspension of licenses is.
        repeat: {
          read: (id) => call(request, catalog.getAccount, { id }),
          asked: (now) => now.type === "customer",
          message: "Already a customer",
        },
      });
    },
  );
};
