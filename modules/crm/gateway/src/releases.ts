import {
  catalog,
  distribution,
  idOf,
  productReleaseSchema,
  releaseChannelSchema,
  releaseDownloadsSchema,
  releases,
} from "@licensing/contracts";
import type { GatewayModuleOptions, GatewayModulePlugin } from "@licensing/gateway/module";
import type { FastifyRequest } from "fastify";
import { z } from "zod";

const tags = ["update server"];
const releaseParams = z.strictObject({ id: idOf("release") });
const productParams = catalog.getProduct.request;
const channelParams = z.strictObject({ code: releases.deleteChannel.request.shape.code });

/**
 * Removes the stored bytes of `storageKeys` once their release (or artifact) is gone from the
 * catalog. A failure is logged, not answered: the record is what the operator changed, and a file
 * no release names is never served.
 */
async function removeFiles(
  request: FastifyRequest,
  artifacts: GatewayModuleOptions["artifacts"],
  storageKeys: string[],
): Promise<void> {
  for (const key of storageKeys)
    await artifacts?.remove(key).catch((error: unknown) => {
      request.log.warn({ err: error, storageKey: key }, "a release file could not be removed from the store");
    });
}

/**
 * The Update server (issue 18): channels, each product's releases and their files, each route one
 * catalog endpoint. Files come in through the tus uploads (release-uploads.ts).
 */
export const releaseRoutes: GatewayModulePlugin = async (app, { call, artifacts }) => {
  app.get(
    "/release-channels",
    {
      config: { access: "release.read" },
      schema: {
        tags,
        summary: releases.listChannels.summary,
        response: { 200: z.object({ items: z.array(releaseChannelSchema) }) },
      },
    },
    (request) => call(request, releases.listChannels, {}),
  );

  app.put(
    "/release-channels/:code",
    {
      config: { access: "release.write" },
      schema: {
        tags,
        summary: releases.saveChannel.summary,
        params: channelParams,
        body: releases.saveChannel.request.omit({ code: true }),
        response: { 200: releaseChannelSchema },
      },
    },
    (request) => call(request, releases.saveChannel, { ...request.body, code: request.params.code }),
  );

  app.delete(
    "/release-channels/:code",
    {
      config: { access: "release.write" },
      schema: {
        tags,
        summary: releases.deleteChannel.summary,
        params: channelParams,
        response: { 200: releases.deleteChannel.response },
      },
    },
    (request) => call(request, releases.deleteChannel, request.params),
  );

  app.get(
    "/products/:code/releases",
    {
      config: { access: "release.read" },
      schema: {
        tags,
        summary: releases.listReleases.summary,
        params: productParams,
        querystring: releases.listReleases.request.omit({ product: true }),
        response: { 200: z.object({ items: z.array(productReleaseSchema) }) },
      },
    },
    (request) => call(request, releases.listReleases, { ...request.query, product: request.params.code }),
  );

  app.post(
    "/products/:code/releases",
    {
      config: { access: "release.write" },
      schema: {
        tags,
        summary: releases.createRelease.summary,
        params: productParams,
        body: releases.createRelease.request.omit({ product: true }),
        response: { 201: productReleaseSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await call(request, releases.createRelease, { ...request.body, product: request.params.code })),
  );

  app.get(
    "/releases/:id",
    {
      config: { access: "release.read" },
      schema: {
        tags,
        summary: releases.getRelease.summary,
        params: releaseParams,
        response: { 200: productReleaseSchema },
      },
    },
    (request) => call(request, releases.getRelease, request.params),
  );

  app.patch(
    "/releases/:id",
    {
      config: { access: "release.write" },
      schema: {
        tags,
        summary: releases.updateRelease.summary,
        params: releaseParams,
        body: releases.updateRelease.request.omit({ id: true }),
        response: { 200: productReleaseSchema },
      },
    },
    (request) => call(request, releases.updateRelease, { ...request.body, id: request.params.id }),
  );

  app.delete(
    "/releases/:id",
    {
      config: { access: "release.write" },
      schema: {
        tags,
        summary: releases.deleteRelease.summary,
        description: "Drafts only (409 otherwise); their files are removed from the store.",
        params: releaseParams,
        response: { 200: productReleaseSchema },
      },
    },
    async (request) => {
      const deleted = await call(request, releases.deleteRelease, request.params);
      await removeFiles(
        request,
        artifacts,
        deleted.artifacts.map((a) => a.storageKey),
      );
      return deleted;
    },
  );

  app.get(
    "/releases/:id/downloads",
    {
      config: { access: "release.read" },
      schema: {
        tags,
        summary: distribution.releaseDownloads.summary,
        params: releaseParams,
        response: { 200: releaseDownloadsSchema },
      },
    },
    (request) => call(request, distribution.releaseDownloads, { releaseId: request.params.id }),
  );

  app.delete(
    "/releases/:id/artifacts/:artifactId",
    {
      config: { access: "release.write" },
      schema: {
        tags,
        summary: releases.removeArtifact.summary,
        params: z.strictObject({ id: idOf("release"), artifactId: idOf("artifact") }),
        response: { 200: productReleaseSchema },
      },
    },
    async (request) => {
      const before = await call(request, releases.getRelease, { id: request.params.id });
      const after = await call(request, releases.removeArtifact, {
        releaseId: request.params.id,
        artifactId: request.params.artifactId,
      });
      const removed = before.artifacts
        .filter((a) => a.id === request.params.artifactId)
        .map((a) => a.storageKey);
      await removeFiles(request, artifacts, removed);
      return after;
    },
  );

  app.post(
    "/releases/:id/publish",
    {
      config: { access: "release.publish" },
      schema: {
        tags,
        summary: releases.publishRelease.summary,
        params: releaseParams,
        response: { 200: productReleaseSchema },
      },
    },
    (request) => call(request, releases.publishRelease, request.params),
  );

  app.post(
    "/releases/:id/yank",
    {
      config: { access: "release.publish" },
      schema: {
        tags,
        summary: releases.yankRelease.summary,
        params: releaseParams,
        body: releases.yankRelease.request.omit({ id: true }),
        response: { 200: productReleaseSchema },
      },
    },
    (request) => call(request, releases.yankRelease, { ...request.body, id: request.params.id }),
  );
};
