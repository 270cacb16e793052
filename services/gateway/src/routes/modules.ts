import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ModuleActivations } from "../domain/module-activations.ts";
import { activationRequest, type Modules, moduleStatusSchema, modulesSchema } from "../schemas.ts";

/** Which modules this deployment has and whether they are on; the CRM activation. */
export const moduleRoutes: FastifyPluginAsyncZod<{
  moduleActivations: ModuleActivations;
  modules: () => Promise<Modules>;
}> = async (app, { moduleActivations, modules }) => {
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
    (request) => moduleActivations.activate("crm", request.body.licenseFile, request.actor!, request.id),
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
    (request) => moduleActivations.deactivate("crm", request.actor!, request.id),
  );
};
