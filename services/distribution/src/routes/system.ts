import { syncRequest, syncResponse } from "@licensing/contracts";
import { probeRoutes } from "@licensing/platform/http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { changesSince } from "../domain/handoff.ts";
import type { RouteDeps } from "./deps.ts";

/** Health probes, and the license servers' sync endpoint. */
export const systemRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { nc, orm, drain } = deps;

  await app.register(probeRoutes, { nc, orm, drain, routeConfig: { auth: "public", rateLimit: false } });

  app.get(
    "/v1/sync",
    {
      config: { auth: "serverToken" },
      schema: {
        tags: ["hand-off"],
        summary: "For license servers: every license issued or changed since a cursor",
        description:
          "Each item is a license's newest file and state (older versions are not replayed). Start without a " +
          "cursor; pass nextCursor back until hasMore is false, then keep polling with the last cursor. The " +
          "same items are pushed on the JetStream stream <PREFIX>_LICENSE_FILES (docs/distribution.md).",
        querystring: syncRequest,
        response: { 200: syncResponse },
      },
      onRequest: async (request) => deps.requireServerToken(request),
    },
    async (request) => changesSince(orm, request.query.cursor, request.query.limit),
  );
};
