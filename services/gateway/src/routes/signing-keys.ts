import { issuer, keyRoles, signingKeySchema } from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { GatewayModuleOptions } from "../module-api.ts";

/**
 * The issuer's signing keys (Settings → Signing keys), license and release keys: listed for license
 * admins, rotated by a superadmin, one role at a time. The host's, not a module's: every deployment signs licenses, with or without CRM.
 */
export const signingKeyRoutes: FastifyPluginAsyncZod<Pick<GatewayModuleOptions, "call">> = async (
  app,
  { call },
) => {
  const tags = ["signing keys"];

  app.get(
    "/api/signing-keys",
    {
      config: { access: "signing-key.read" },
      schema: {
        tags,
        summary: issuer.listSigningKeys.summary,
        response: { 200: z.object({ items: z.array(signingKeySchema) }) },
      },
    },
    (request) => call(request, issuer.listSigningKeys, {}),
  );

  app.post(
    "/api/signing-keys/rotate",
    {
      config: { access: "signing-key.rotate" },
      schema: {
        tags,
        summary: issuer.rotateSigningKey.summary,
        description:
          "Rotates the keys of one role (`license`, the default: new licenses and new versions are signed with the new key; `release`: new release indexes are). What the old key signed still verifies.",
        // No body at all (as before roles existed) rotates the license keys.
        body: z.strictObject({ role: z.enum(keyRoles).optional() }).nullish(),
        response: { 200: signingKeySchema },
      },
    },
    (request) => call(request, issuer.rotateSigningKey, { role: request.body?.role ?? "license" }),
  );
};
