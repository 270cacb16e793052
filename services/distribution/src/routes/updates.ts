import type { ArtifactStore } from "@licensing/artifacts";
import { AppError, idOf, updateCheckRequest, updateCheckResponse } from "@licensing/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import parseRange from "range-parser";
import { z } from "zod";
import type { ServedArtifact } from "../domain/updates.ts";
import { licenseOf, type RouteDeps } from "./deps.ts";

/** "Is there an update for me?" (issue 18): the best upgrade the license is entitled to, with the signed index. */
export const updateRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, updates, artifacts } = deps;

  app.post(
    "/v1/updates/check",
    {
      config: { auth: "licenseKey" },
      onRequest: requireLicense,
      schema: {
        tags: ["updates"],
        summary: "The best upgrade this license is entitled to, or why there is none",
        description:
          "For a product the license holds, on a channel its kind is entitled to (403 otherwise; 404 for a channel " +
          "that does not exist): the newest release, not yanked, published before the license's end, installable " +
          "over `currentVersion` (its upgradable-from range) and with a file for `platform` and `arch` (and " +
          "`fileType`). Else `update: false` with the reason (`not_entitled`: newer releases came after the " +
          "license's end). `index` is the channel's release index signed by the issuer's release key " +
          "(GET /v1/keys?role=release): products check the answer against it.",
        body: updateCheckRequest,
        response: { 200: updateCheckResponse },
      },
    },
    async (request) => updates.check(licenseOf(request), request.body),
  );

  app.get(
    "/v1/updates/artifacts/:id",
    {
      config: { auth: "licenseKey" },
      onRequest: requireLicense,
      schema: {
        tags: ["updates"],
        summary: "Download a release's file, whole or a byte range (to resume)",
        description:
          "For a license entitled to the release (as for the update check; 403 otherwise, and for a yanked " +
          "release). `Range: bytes=start-end` answers 206 with that part (one range; 416 " +
          "range_not_satisfiable outside the file). The ETag is the file's SHA-256.",
        params: z.strictObject({ id: idOf("artifact") }),
      },
    },
    async (request, reply) => {
      const artifact = await updates.artifact(licenseOf(request), request.params.id);
      // A download counts once: when it starts at the first byte (resuming it does not count again).
      return sendArtifact(request, reply, artifacts, artifact, async (start) => {
        if (start === 0) await updates.countDownload(licenseOf(request), artifact);
      });
    },
  );
};

/**
 * Sends a release file, whole or the one byte range asked (`Range`, honoured only while `If-Range`
 * names this file), with its ETag (its SHA-256). `starting` runs before the bytes go, with the first
 * byte's offset.
 */
export async function sendArtifact(
  request: FastifyRequest,
  reply: FastifyReply,
  store: ArtifactStore | undefined,
  artifact: ServedArtifact,
  starting: (start: number) => Promise<void>,
) {
  if (!store) throw new AppError("service_unavailable", "This deployment keeps no release files");
  const size = artifact.size;
  reply
    .header("Accept-Ranges", "bytes")
    .header("ETag", `"${artifact.sha256}"`)
    .header("Cache-Control", "private, no-transform")
    .header("Content-Type", "application/octet-stream")
    .header("Content-Disposition", `attachment; filename="${artifact.fileName.replace(/["\\]/g, "_")}"`);
  const header = request.headers.range;
  // One range is served as asked; several, a malformed header or an If-Range naming another file
  // are ignored (the whole file), as RFC 9110 allows.
  const ifRange = request.headers["if-range"];
  const current = ifRange === undefined || ifRange === `"${artifact.sha256}"`;
  const ranges = header && current ? parseRange(size, header) : -2;
  if (ranges === -1) {
    reply.header("Content-Range", `bytes */${size}`);
    throw new AppError("range_not_satisfiable", `The file has ${size} bytes; ${header} is outside it`);
  }
  const partial = Array.isArray(ranges) && ranges.length === 1 ? ranges[0]! : undefined;
  await starting(partial?.start ?? 0);
  if (partial) {
    const { start, end } = partial;
    reply
      .code(206)
      .header("Content-Range", `bytes ${start}-${end}/${size}`)
      .header("Content-Length", end - start + 1);
    return reply.send(await store.read(artifact.storageKey, { start, end }));
  }
  reply.header("Content-Length", size);
  return reply.send(await store.read(artifact.storageKey));
}
