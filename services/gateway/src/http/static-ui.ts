import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { Logger } from "@licensing/platform";
import { notFound, sendError } from "@licensing/platform/http";
import type { FastifyInstance } from "fastify";
import { markRoutesPublic } from "./access.ts";

/**
 * Serves the built UI (ui/dist) when there is one, with the SPA fallback: a GET for any other path
 * outside /api answers index.html, so the UI's own routes survive a reload. Every other unknown
 * path is a 404 in the error shape.
 */
export async function registerUi(
  app: FastifyInstance,
  uiDir: string | undefined,
  log: Logger,
): Promise<boolean> {
  const built = uiDir !== undefined && existsSync(join(uiDir, "index.html"));
  if (built) {
    await app.register(async (scope) => {
      markRoutesPublic(scope);
      await scope.register(fastifyStatic, { root: uiDir, prefix: "/", wildcard: true, index: "index.html" });
    });
    log.info({ uiDir }, "serving the built UI");
  } else if (uiDir !== undefined) {
    log.warn(
      { uiDir },
      `No built UI at ${uiDir}: the gateway serves the API only. Build the UI with \`npm run build -w ui\`.`,
    );
  }

  app.setNotFoundHandler((request, reply) => {
    const isPage =
      built &&
      (request.method === "GET" || request.method === "HEAD") &&
      !/^\/api(\/|$|\?)/.test(request.url) &&
      !/^\/(healthz|readyz)(\/|$|\?)/.test(request.url);
    if (isPage) return reply.header("Cache-Control", "no-cache").sendFile("index.html", uiDir!);
    return sendError(reply, notFound(request));
  });
  return built;
}
