import {
  idOf,
  releaseIndexRequest,
  releaseIndexResponse,
  releaseSyncResponse,
  syncRequest,
  syncResponse,
} from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { changesSince } from "../domain/handoff.ts";
import { releaseChangesSince } from "../domain/release-handoff.ts";
import type { RouteDeps } from "./deps.ts";
import { sendArtifact } from "./updates.ts";

/**
 * The hand-off to license servers (bearer sync token): the license feed, the release feed, the
 * releases' files, and each product and channel's signed release index (docs/distribution.md).
 */
export const handoffRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { orm, updates, artifacts } = deps;
  const config = { auth: "serverToken" as const };
  const onRequest = async (request: Parameters<RouteDeps["requireServerToken"]>[0]) =>
    deps.requireServerToken(request);

  app.get(
    "/v1/sync",
    {
      config,
      onRequest,
      schema: {
        tags: ["hand-off"],
        summary: "For license servers: every license issued or changed since a cursor",
        description:
          "Each item is a license's newest file and state (older versions are not replayed). Start without a " +
          "cursor; pass nextCursor back until hasMore is false, then keep polling with the last cursor. The " +
          "same items are pushed on the JetStream stream <PREFIX>_LICENSE_FILES (docs/distribution.md).",
        querystring: syncRequest,
        response: { 200: syncResponse },
      },
    },
    async (request) => changesSince(orm, request.query.cursor, request.query.limit),
  );

  app.get(
    "/v1/sync/releases",
    {
      config,
      onRequest,
      schema: {
        tags: ["hand-off"],
        summary: "For license servers: every release published, corrected or yanked since a cursor",
        description:
          "Each item is a release's newest state with its files (each with its SHA-256, size and URL under " +
          "/v1/sync/artifacts). Its own cursor, used as GET /v1/sync's. The same items are pushed on the " +
          "JetStream stream <PREFIX>_RELEASES (docs/distribution.md).",
        querystring: syncRequest,
        response: { 200: releaseSyncResponse },
      },
    },
    async (request) => releaseChangesSince(orm, request.query.cursor, request.query.limit),
  );

  app.get(
    "/v1/sync/release-index",
    {
      config,
      onRequest,
      schema: {
        tags: ["hand-off"],
        summary: "For license servers: a product and channel's current signed release index",
        description:
          "Signed by the issuer's release key, to serve to products as it is until `expiresAt` (ask again well " +
          "before: an hour is the service's own rhythm). 404 before the product and channel's first release.",
        querystring: releaseIndexRequest,
        response: { 200: releaseIndexResponse },
      },
    },
    async (request) => updates.signedIndex(request.query.product, request.query.channel),
  );

  app.get(
    "/v1/sync/artifacts/:id",
    {
      config,
      onRequest,
      schema: {
        tags: ["hand-off"],
        summary: "For license servers: a release's file, whole or a byte range",
        description:
          "As GET /v1/updates/artifacts/:id, for a mirror: any release that is out (403 once yanked), not " +
          "counted as a download (the license server counts its own).",
        params: z.strictObject({ id: idOf("artifact") }),
      },
    },
    async (request, reply) =>
      sendArtifact(
        request,
        reply,
        artifacts,
        await updates.artifactForMirror(request.params.id),
        async () => {},
      ),
  );
};
