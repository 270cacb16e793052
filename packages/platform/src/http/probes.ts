import { AppError } from "@licensing/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Orm } from "../database.ts";
import { query } from "../sql.ts";
import type { HttpDrain } from "./drain.ts";

/** What a service adds to its readiness: problems that make it unready, and figures to show. */
export interface ReadinessCheck {
  problems: string[];
  /** Instances found per platform service (the gateway waits for the services it calls). */
  services?: Record<string, number>;
  details?: Record<string, unknown>;
}

export interface ProbeOptions {
  nc: NatsConnection;
  orm: Orm;
  /** The config each probe route carries: who may call it, in the service's own terms (public). */
  routeConfig: Record<string, unknown>;
  /** The service's drain (installHttpEdge): once it has begun, the service is not ready. */
  drain: HttpDrain;
  /** Checks beyond the database, run on each /readyz. */
  readiness?: () => Promise<ReadinessCheck>;
}

/** Rejects when `promise` takes longer than `ms`: a probe answers in time or says why not. */
export function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref()),
  ]);
}

/**
 * The probes of an HTTP service, for orchestrators and load balancers:
 * - `/healthz` (liveness): the process runs and its NATS connection answers a round trip within 2 s
 *   (restart me if not);
 * - `/readyz` (readiness): not shutting down, the database answers within 2 s, and whatever the
 *   service adds; 503 naming what is missing (send me no traffic).
 * Neither names a server, address or port: probes are public, internal addresses stay internal.
 */
export const probeRoutes: FastifyPluginAsyncZod<ProbeOptions> = async (app, options) => {
  const { nc, orm, routeConfig } = options;

  app.get(
    "/healthz",
    {
      config: routeConfig,
      schema: {
        tags: ["health"],
        summary: "Liveness: the process and its NATS connection",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => {
      try {
        if (nc.isClosed()) throw new Error("closed");
        await withinMs(nc.flush(), 2_000, "NATS round trip");
      } catch {
        throw new AppError("service_unavailable", "The NATS connection is down");
      }
      return { status: "ok" as const };
    },
  );

  app.get(
    "/readyz",
    {
      config: routeConfig,
      schema: {
        tags: ["health"],
        summary: "Readiness: the database, and what else the service needs",
        response: {
          200: z.object({
            status: z.literal("ready"),
            /** Instances found per platform service, where the service waits for others. */
            services: z.record(z.string(), z.number().int()).optional(),
          }),
        },
      },
    },
    async () => {
      if (options.drain.draining) throw new AppError("service_unavailable", "Not ready: shutting down");
      const problems: string[] = [];
      try {
        await withinMs(query(orm, "select 1"), 2_000, "database check");
      } catch {
        problems.push("the database does not answer");
      }
      const more = await options.readiness?.();
      problems.push(...(more?.problems ?? []));
      if (problems.length > 0)
        throw new AppError("service_unavailable", `Not ready: ${problems.join("; ")}`, more?.details);
      return { status: "ready" as const, ...(more?.services ? { services: more.services } : {}) };
    },
  );
};
