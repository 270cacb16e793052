import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Activations } from "../domain/activations.ts";
import { activationRequest, type Modules, moduleStatusSchema, modulesSchema } from "../schemas.ts";

/** Which modules this deployment has and whether they are on; the CRM activation. */
export const moduleRoutes: FastifyPluginAsyncZod<{
  activations: Activations;
  modules: () => Promise<Modules>;
}> = async (app, { activations, modules }) => {
  app.get(
    "/api/modules",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["modules"],
        summary: "The modules: packaged in this deployment, active, and their activation",
        response: { 200: modulesSchema },
      },
    },
    () => modules(),
  );

  app.put(
    "/api/modules/crm/activation",
    {
      config: { access: "module.activate" },
      bodyLimit: 5 * 1024 * 1024,
      schema: {
        tags: ["modules"],
        summary: "Activate the CRM module with an activation license",
        description:
          "The license file must be signed by a vendor key this deployment trusts (GATEWAY_VENDOR_PUBLIC_KEYS), " +
          "carry the `crm` feature and be in force. Replaces any earlier activation.",
        body: activationRequest,
        response: { 200: moduleStatusSchema },
      },
    },
    (request) => activations.activate("crm", request.body.licenseFile, request.actor!),
  );

  app.delete(
    "/api/modules/crm/activation",
    {
      config: { access: "module.activate" },
      schema: {
        tags: ["modules"],
        summary: "Deactivate the CRM module",
        response: { 200: moduleStatusSchema },
      },
    },
    (request) => activations.deactivate("crm", request.actor!),
  );
};
