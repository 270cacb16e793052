import { type DownloadResponse, downloadResponse, keyRoles, publicKeysResponse } from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type LicenseRecord, requireNotBlocked } from "../domain/licenses.ts";
import { licenseOf, type RouteDeps } from "./deps.ts";

/** Downloads of license files, and the public keys that verify them. */
export const licenseRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, downloads, now } = deps;
  const auth = { auth: "licenseKey" } as const;
  const etagOf = (licenseId: string, serial: number) => `"${licenseId}.${serial}"`;
  // A download answers the same bytes until the license's next file: they are encoded once per
  // record (the directory keeps one record per key and file version), not per request.
  const bodies = new WeakMap<LicenseRecord, Buffer>();
  const downloadBody = (license: LicenseRecord): Buffer => {
    let body = bodies.get(license);
    if (!body) {
      const answer: DownloadResponse = {
        licenseId: license.licenseId,
        serial: license.serial,
        encrypted: license.encrypted,
        file: license.file,
      };
      body = Buffer.from(JSON.stringify(answer));
      bodies.set(license, body);
    }
    return body;
  };

  app.get(
    "/v1/license",
    {
      config: auth,
      onRequest: requireLicense,
      schema: {
        tags: ["license"],
        summary: "Download the license file of a key",
        description:
          "The newest signed file, exactly as issued (an expired license's too, so a renewed one can replace " +
          'it). Answers ETag `"<licenseId>.<serial>"`; with If-None-Match set to it, 304 while no newer file ' +
          "exists. Each 200 counts as a download.",
        response: { 200: downloadResponse, 304: z.null().describe("No newer file") },
      },
    },
    async (request, reply) => {
      const license = licenseOf(request);
      requireNotBlocked(license);
      const etag = etagOf(license.licenseId, license.serial);
      reply.header("ETag", etag).header("Cache-Control", "private, no-cache");
      if (request.headers["if-none-match"] === etag) return reply.code(304).send(null);
      downloads.count(license.licenseId, now());
      // The bytes of a DownloadResponse, encoded once (a Buffer is sent as it is, not serialized).
      return reply
        .type("application/json; charset=utf-8")
        .send(downloadBody(license) as unknown as DownloadResponse);
    },
  );

  app.get(
    "/v1/license/file",
    {
      config: auth,
      onRequest: requireLicense,
      schema: {
        tags: ["license"],
        summary: "Download the license file as text (for curl -o license.lic)",
        produces: ["text/plain"],
        response: { 200: z.string().describe("The armored license file") },
      },
    },
    async (request, reply) => {
      const license = licenseOf(request);
      requireNotBlocked(license);
      downloads.count(license.licenseId, now());
      return reply
        .header("ETag", etagOf(license.licenseId, license.serial))
        .header("Cache-Control", "private, no-cache")
        .type("text/plain; charset=utf-8")
        .send(license.file);
    },
  );

  app.get(
    "/v1/keys",
    {
      config: { auth: "public" },
      schema: {
        tags: ["keys"],
        summary: "The public keys of one role, to pin in products: license keys unless role=release",
        description:
          "Active and retired keys (retired ones still verify what they signed). Raw Ed25519, base64. `license` keys (the default) verify license files and the documents about licenses; `release` keys verify release indexes only. Pin each role's keys for its own documents: a product that trusted a release key for license files would let whoever can publish a release vouch for a license.",
        querystring: z.strictObject({ role: z.enum(keyRoles).default("license") }),
        response: { 200: publicKeysResponse },
      },
    },
    async (request, reply) => {
      reply.header("Cache-Control", "public, max-age=300");
      return { keys: deps.keys.list().filter((key) => key.role === request.query.role) };
    },
  );
};
