import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { createJsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";
import { licenseScheme } from "./credentials.ts";

/** How a route authenticates, for its OpenAPI security and its error responses. */
export type RouteAuth = "public" | "licenseKey" | "serverToken";

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export const errorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  requestId: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const zodTransform = createJsonSchemaTransform({ skipList: [] });

/** OpenAPI 3.1 from the routes' zod schemas: browsable at /v1/docs, JSON at /v1/openapi.json. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string | undefined): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Licensing Platform: distribution API",
        version: "1.0.0",
        description:
          "What deployed products call: download license files, activate machines, report usage, hold fleet " +
          `leases, check their status. Authenticate with the license key: \`Authorization: ${licenseScheme} LK-…\`. ` +
          "Errors are `{ code, message, requestId, details? }`; 429 `rate_limited` answers carry Retry-After.",
      },
      servers: publicUrl ? [{ url: publicUrl }] : [],
      components: {
        securitySchemes: {
          licenseKey: {
            type: "apiKey",
            in: "header",
            name: "Authorization",
            description: `\`${licenseScheme} LK-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX\``,
          },
          serverToken: { type: "http", scheme: "bearer", description: "A license server's sync token" },
        },
      },
    },
    transform: (document) => {
      const auth = (document.route.config as { auth?: RouteAuth } | undefined)?.auth;
      const schema = document.schema as Record<string, unknown> | undefined;
      if (!schema || schema.hide || !auth) return zodTransform(document);
      const withErrors = {
        ...schema,
        response: { ...(schema.response as object), "4xx": errorBodySchema, "5xx": errorBodySchema },
      };
      const transformed = zodTransform({ ...document, schema: withErrors } as typeof document);
      return {
        ...transformed,
        schema: { ...transformed.schema, ...(auth === "public" ? {} : { security: [{ [auth]: [] }] }) },
      };
    },
  });
  await app.register(async (scope) => {
    await scope.register(swaggerUi, { routePrefix: "/v1/docs" });
    scope.get("/v1/openapi.json", { schema: { hide: true }, config: { rateLimit: false } }, () =>
      app.swagger(),
    );
  });
}
