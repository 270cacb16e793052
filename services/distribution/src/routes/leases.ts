import { leaseRequest, leaseResponse, leaseSchema, machineRef } from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { licenseOf, type RouteDeps } from "./deps.ts";

/** Fleet seats: collectors of a cockpit license hold short-lived signed leases. */
export const leaseRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, leases, signing } = deps;
  const common = { config: { auth: "licenseKey" as const }, onRequest: requireLicense };

  app.post(
    "/v1/leases",
    {
      ...common,
      schema: {
        tags: ["leases"],
        summary: "Acquire a fleet seat for this collector, or renew the lease it holds",
        description:
          "At most `seats` collectors hold a lease at once (409 seats_exhausted beyond). The signed " +
          "`fleet-lease` document is bound to the collector's fingerprint and expires soon: renew it (this " +
          "same call) at about half its life. An expired lease frees its seat. Needs the issuer to sign.",
        body: leaseRequest,
        response: { 200: leaseResponse },
      },
    },
    async (request) => leases.acquire(licenseOf(request), request.body, signing),
  );

  app.post(
    "/v1/leases/release",
    {
      ...common,
      schema: {
        tags: ["leases"],
        summary: "Release this collector's lease, freeing its seat",
        description:
          "Works whatever the license's state (suspended, revoked, expired): it only gives a seat back.",
        body: machineRef,
        response: { 200: z.object({ released: z.boolean(), lease: leaseSchema.nullable() }) },
      },
    },
    // No requireUsable: giving a seat back is allowed in every state (docs/distribution.md).
    async (request) => {
      const lease = await leases.release(
        licenseOf(request).licenseId,
        request.body,
        "released by the collector",
      );
      return { released: lease !== undefined, lease: lease ?? null };
    },
  );
};
