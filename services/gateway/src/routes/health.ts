import { AppError } from "@licensing/contracts";
import { type Orm, query } from "@licensing/platform";
import { Svcm } from "@nats-io/services";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

export interface HealthDeps {
  nc: NatsConnection;
  orm: Orm;
  /** Deployment subject prefix (`SUBJECT_PREFIX`); services under another prefix do not count. */
  subjectPrefix: string;
  /** The platform services that must answer for the gateway to be ready, e.g. ["catalog"]. */
  requiredServices: readonly string[];
}

const withinMs = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref()),
  ]);

/**
 * /healthz: the process runs and its NATS connection answers (restart me if not).
 * /readyz: the gateway's database answers and every required service has an instance on the bus
 * under this deployment's prefix, found through NATS service discovery (`$SRV.PING`); 503 naming
 * what is missing (send me no traffic).
 */
export const healthRoutes: FastifyPluginAsyncZod<HealthDeps> = async (app, deps) => {
  const { nc, orm, subjectPrefix, requiredServices } = deps;

  app.get(
    "/healthz",
    {
      config: { access: "public" },
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
      // No server address in the answer: probes are public, and internal addresses stay internal.
      return { status: "ok" as const };
    },
  );

  app.get(
    "/readyz",
    {
      config: { access: "public" },
      schema: {
        tags: ["health"],
        summary: "Readiness: the database and every required platform service",
        response: {
          200: z.object({
            status: z.literal("ready"),
            /** Instances found per service. */
            services: z.record(z.string(), z.number().int()),
          }),
        },
      },
    },
    async () => {
      const instances: Record<string, number> = Object.fromEntries(requiredServices.map((s) => [s, 0]));
      const problems: string[] = [];
      try {
        await withinMs(query(orm, "select 1"), 2_000, "database check");
      } catch {
        problems.push("the database does not answer");
      }
      try {
        const pings = await new Svcm(nc).client({ strategy: "timer", maxWait: 500 }).ping();
        for await (const ping of pings) {
          if (ping.metadata?.prefix === subjectPrefix && ping.name in instances) instances[ping.name]! += 1;
        }
      } catch {
        // No service answers at all: every one is missing.
      }
      const missing = requiredServices.filter((name) => instances[name] === 0);
      if (missing.length > 0) problems.push(`no instance of ${missing.join(", ")} answers on the bus`);
      if (problems.length > 0)
        throw new AppError("service_unavailable", `Not ready: ${problems.join("; ")}`, { missing });
      return { status: "ready" as const, services: instances };
    },
  );
};
