import {
  accountSchema,
  audit,
  auditListRequest,
  auditListResponse,
  catalog,
  importAccountsRequest,
  importAccountsResponse,
  pageOf,
  searchAccountsRequest,
  updateAccountRequest,
} from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { z } from "zod";

const accountRef = catalog.getAccount.request;
const tags = ["accounts"];

// An account's history is its entries in the catalog's audit log, a page at a time.
const historyQuery = auditListRequest.pick({ cursor: true, limit: true });

// Query strings carry text: `includeArchived=true` becomes the boolean the contract expects.
const searchQuery = searchAccountsRequest.extend({
  includeArchived: z.stringbool().default(false),
});

const countQuery = searchQuery.omit({ cursor: true, limit: true });

/** Customer and prospect accounts, each route one catalog endpoint (the id comes from the path). */
export const accountRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/accounts",
    {
      config: { access: "account.read" },
      schema: {
        tags,
        summary: catalog.searchAccounts.summary,
        querystring: searchQuery,
        response: { 200: pageOf(accountSchema) },
      },
    },
    (request) => call(request, catalog.searchAccounts, request.query),
  );

  app.get(
    "/accounts/count",
    {
      config: { access: "account.read" },
      schema: {
        tags,
        summary: catalog.countAccounts.summary,
        description:
          "The filters of `GET /api/accounts` (no page). The count stops at 10,000: `capped` is true when " +
          'more match (a table shows "10,000+").',
        querystring: countQuery,
        response: { 200: catalog.countAccounts.response },
      },
    },
    (request) => call(request, catalog.countAccounts, request.query),
  );

  app.post(
    "/accounts",
    {
      config: { access: "account.write" },
      schema: {
        tags,
        summary: catalog.createAccount.summary,
        body: catalog.createAccount.request,
        response: { 201: accountSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await call(request, catalog.createAccount, request.body)),
  );

  app.post(
    "/accounts/import",
    {
      config: { access: "account.write" },
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags,
        summary: catalog.importAccounts.summary,
        description: "With `dryRun`, reports what would happen (the UI's preview) and changes nothing.",
        body: importAccountsRequest,
        response: { 200: importAccountsResponse },
      },
    },
    (request) => call(request, catalog.importAccounts, request.body),
  );

  app.get(
    "/accounts/:id",
    {
      config: { access: "account.read" },
      schema: {
        tags,
        summary: catalog.getAccount.summary,
        params: accountRef,
        response: { 200: accountSchema },
      },
    },
    (request) => call(request, catalog.getAccount, request.params),
  );

  app.get(
    "/accounts/:id/history",
    {
      config: { access: "account.read" },
      schema: {
        tags,
        summary: "Everything done to an account: who, when, under which request, what changed",
        description:
          "The account's entries in the catalog's audit log (created, updated, promoted, archived, " +
          "restored, imported), newest first; `nextCursor` continues. Its licenses' history is on each license.",
        params: accountRef,
        querystring: historyQuery,
        response: { 200: auditListResponse },
      },
    },
    async (request) => {
      // An unknown account is a 404, not an empty history.
      await call(request, catalog.getAccount, request.params);
      return call(request, audit.catalog, {
        ...request.query,
        entityType: "account",
        entityId: request.params.id,
      });
    },
  );

  app.patch(
    "/accounts/:id",
    {
      config: { access: "account.write" },
      schema: {
        tags,
        summary: catalog.updateAccount.summary,
        description:
          "Only the fields sent change. With `expectedVersion`, a concurrent change is a 409 conflict.",
        params: accountRef,
        body: updateAccountRequest.omit({ id: true }),
        response: { 200: accountSchema },
      },
    },
    (request) => call(request, catalog.updateAccount, { ...request.body, id: request.params.id }),
  );

  const actions = [
    ["archive", catalog.archiveAccount],
    ["restore", catalog.restoreAccount],
    ["promote", catalog.promoteAccount],
  ] as const;
  for (const [verb, endpoint] of actions) {
    app.post(
      `/accounts/:id/${verb}`,
      {
        config: { access: "account.write" },
        schema: { tags, summary: endpoint.summary, params: accountRef, response: { 200: accountSchema } },
      },
      (request) => call(request, endpoint, request.params),
    );
  }
};
