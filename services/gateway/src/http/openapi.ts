import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { createJsonSchemaTransform } from "fastify-type-provider-zod";
import type { RouteAccess } from "../module-api.ts";
import { errorBodySchema } from "../schemas.ts";
import { csrfHeader, describeAccess, markRoutesPublic, sessionCookie } from "./access.ts";

const zodTransform = createJsonSchemaTransform({ skipList: [] });

/**
 * OpenAPI 3.1 generated from the same zod schemas that validate requests and serialize responses,
 * each operation saying who may call it and that errors are `{ code, message, requestId }`.
 * Browsable at /api/docs, JSON at /api/openapi.json. Register before any route.
 */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string | undefined): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Licensing Platform API",
        version: "0.1.0",
        description:
          "The API behind the operator UI. Sign in with POST /api/auth/login: the session travels in the " +
          `\`${sessionCookie}\` cookie, and every state-changing request carries the session's CSRF token ` +
          "in the `X-CSRF-Token` header. Errors are `{ code, message, requestId, details? }`.",
      },
      servers: publicUrl ? [{ url: publicUrl }] : [],
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: sessionCookie },
          csrf: { type: "apiKey", in: "header", name: csrfHeader },
        },
      },
    },
    transform: (document) => {
      const access = (document.route.config as { access?: RouteAccess } | undefined)?.access;
      const schema = document.schema as Record<string, unknown> | undefined;
      if (!schema || schema.hide || !access) return zodTransform(document);
      const withErrors = {
        ...schema,
        response: { ...(schema.response as object), "4xx": errorBodySchema, "5xx": errorBodySchema },
      };
      const transformed = zodTransform({ ...document, schema: withErrors } as typeof document);
      const description = [schema.description, describeAccess(access)].filter(Boolean).join("\n\n");
      const unsafe = !["GET", "HEAD"].includes([document.route.method].flat()[0] ?? "GET");
      return {
        ...transformed,
        schema: {
          ...transformed.schema,
          description,
          ...(access === "public"
            ? {}
            : { security: [unsafe ? { session: [], csrf: [] } : { session: [] }] }),
        },
      };
    },
  });

  await app.register(async (scope) => {
    markRoutesPublic(scope);
    await scope.register(swaggerUi, { routePrefix: "/api/docs" });
    scope.get("/api/openapi.json", { schema: { hide: true } }, () => app.swagger());
  });
}
