import type { Orm } from "@licensing/platform";
import { type HttpDrain, probeRoutes } from "@licensing/platform/http";
import { Svcm } from "@nats-io/services";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

export interface HealthDeps {
  nc: NatsConnection;
  orm: Orm;
  /** Readiness turns to 503 once it has begun. */
  drain: HttpDrain;
  /** Deployment subject prefix (`SUBJECT_PREFIX`); services under another prefix do not count. */
  subjectPrefix: string;
  /** The platform services that must answer for the gateway to be ready, e.g. ["catalog"]. */
  requiredServices: readonly string[];
}

/**
 * The platform's probes (/healthz, /readyz); the gateway is ready once, beside its database, every
 * required service has an instance on the bus under this deployment's prefix, found through NATS
 * service discovery (`$SRV.PING`).
 */
export const healthRoutes: FastifyPluginAsyncZod<HealthDeps> = async (app, deps) => {
  const { nc, orm, drain, subjectPrefix, requiredServices } = deps;
  await app.register(probeRoutes, {
    nc,
    orm,
    drain,
    routeConfig: { access: "public" },
    readiness: async () => {
      const services: Record<string, number> = Object.fromEntries(requiredServices.map((s) => [s, 0]));
      try {
        const pings = await new Svcm(nc).client({ strategy: "timer", maxWait: 500 }).ping();
        for await (const ping of pings) {
          if (ping.metadata?.prefix === subjectPrefix && ping.name in services) services[ping.name]! += 1;
        }
      } catch {
        // No service answers at all: every one is missing.
      }
      const missing = requiredServices.filter((name) => services[name] === 0);
      return {
        problems: missing.length > 0 ? [`no instance of ${missing.join(", ")} answers on the bus`] : [],
        services,
        details: { missing },
      };
    },
  });
};
