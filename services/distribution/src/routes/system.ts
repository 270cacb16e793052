import { probeRoutes } from "@licensing/platform/http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RouteDeps } from "./deps.ts";

/** Health probes. */
export const systemRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { nc, orm, drain } = deps;

  await app.register(probeRoutes, { nc, orm, drain, routeConfig: { auth: "public", rateLimit: false } });
};
