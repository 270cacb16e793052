import { AppError, syncRequest, syncResponse } from "@licensing/contracts";
import { query } from "@licensing/platform";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { changesSince } from "../domain/handoff.ts";
import type { RouteDeps } from "./deps.ts";

const withinMs = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref()),
  ]);

/** Health probes, and the license servers' sync endpoint. */
export const systemRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { nc, orm } = deps;
  const probe = { config: { auth: "public" as const, rateLimit: false } };

  app.get(
    "/healthz",
    {
      ...probe,
      schema: {
        tags: ["health"],
        summary: "Liveness",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => {
      if (nc.isClosed()) throw new AppError("service_unavailable", "The NATS connection is closed");
      return { status: "ok" as const };
    },
  );

  app.get(
    "/readyz",
    {
      ...probe,
      schema: {
        tags: ["health"],
        summary: "Readiness: the database answers",
        response: { 200: z.object({ status: z.literal("ready") }) },
      },
    },
    async () => {
      try {
        await withinMs(query(orm, "select 1"), 2_000, "database check");
      } catch {
        throw new AppError("service_unavailable", "Not ready: the database does not answer");
      }
      return { status: "ready" as const };
    },
  );

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
