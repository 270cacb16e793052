import { updateCheckRequest, updateCheckResponse } from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { licenseOf, type RouteDeps } from "./deps.ts";

/** "Is there an update for me?" (issue 18): the best upgrade the license is entitled to, with the signed index. */
export const updateRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, updates } = deps;

  app.post(
    "/v1/updates/check",
    {
      config: { auth: "licenseKey" },
      onRequest: requireLicense,
      schema: {
        tags: ["updates"],
        summary: "The best upgrade this license is entitled to, or why there is none",
        description:
          "For a product the license holds, on a channel its kind is entitled to (403 otherwise; 404 for a channel " +
          "that does not exist): the newest release, not yanked, published before the license's end, installable " +
          "over `currentVersion` (its upgradable-from range) and with a file for `platform` and `arch` (and " +
          "`fileType`). Else `update: false` with the reason (`not_entitled`: newer releases came after the " +
          "license's end). `index` is the channel's release index signed by the issuer's release key " +
          "(GET /v1/keys?role=release): products check the answer against it.",
        body: updateCheckRequest,
        response: { 200: updateCheckResponse },
      },
    },
    async (request) => updates.check(licenseOf(request), request.body),
  );
};
