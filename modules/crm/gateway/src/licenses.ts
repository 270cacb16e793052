import {
  auditEntrySchema,
  issuer,
  licenseDetailSchema,
  licenseSummarySchema,
  licenseVersionSchema,
  pageOf,
} from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { licenseCountQuery, licenseListQuery } from "./license-query.ts";

const licenseRef = issuer.getLicense.request;
const versionRef = licenseRef.extend({ serial: z.coerce.number().int().min(1) });
const tags = ["licenses"];
/** The largest license-creation request (8 MiB): room for a license at the model's 2 MiB limit. */
export const LICENSE_BODY_LIMIT = 8 * 1024 * 1024;

/** The armored license file as a download: `license-<id>-v<serial>.lic`, plain text. */
const fileDownload = z.string().describe("The signed license file (armored text), as an attachment");

function sendFile(reply: FastifyReply, id: string, file: { serial: number; file: string }) {
  return reply
    .type("text/plain; charset=utf-8")
    .header("Content-Disposition", `attachment; filename="license-${id}-v${file.serial}.lic"`)
    .send(file.file);
}

/**
 * Where a license is asked for, as the gateway sees it: the client's address (`request.ip`, the
 * forwarded one when GATEWAY_TRUST_PROXY is on), for both `ownerIpAddress` and `createdAtComputer` unless
 * the body gives them. The gateway knows no name for the operator's computer (a reverse DNS lookup
 * would cost a round trip per request and says what the network's owner chose), so the address is
 * the most exact thing it can say. An IPv4 address mapped into IPv6 is written as IPv4.
 */
function origin(request: FastifyRequest): { ownerIpAddress: string; createdAtComputer: string } {
  const address = request.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  return { ownerIpAddress: address, createdAtComputer: address };
}

/**
 * Licenses, each route one issuer endpoint (the id comes from the path). Creation needs only the
 * least create right (`license.create.test`): the issuer checks the kind and the internal flag
 * against the operator's roles (commercial and internal need their own rights) and answers 403.
 */
export const licenseRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.post(
    "/licenses",
    {
      config: { access: "license.create.test" },
      // A license's content may reach the model's 2 MiB; as JSON, with escapes, it takes more.
      bodyLimit: LICENSE_BODY_LIMIT,
      schema: {
        tags,
        summary: issuer.createLicense.summary,
        description:
          "Omitted parameters come from the main (first) product's catalog defaults. A commercial license " +
          "also needs `license.create.commercial`, an internal one `license.create.internal` (403 otherwise). " +
          "The answer is the only one that carries the license keys in clear. With `idempotencyKey`, a " +
          "repeated request returns the first answer and creates nothing. `ownerIpAddress` and " +
          "`createdAtComputer` default to the client's address as the gateway sees it (behind a proxy, " +
          "with GATEWAY_TRUST_PROXY, the forwarded one).",
        body: issuer.createLicense.request,
        response: { 201: issuer.createLicense.response },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await call(request, issuer.createLicense, { ...origin(request), ...request.body })),
  );

  app.post(
    "/licenses/quick-generate",
    {
      config: { access: "license.create.test" },
      schema: {
        tags,
        summary: issuer.quickGenerate.summary,
        description:
          "The preset's kind and internal flag need the same rights as creating the license by hand. " +
          "`ownerIpAddress` and `createdAtComputer` default to the client's address, as for a creation.",
        body: issuer.quickGenerate.request,
        response: { 201: issuer.quickGenerate.response },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await call(request, issuer.quickGenerate, { ...origin(request), ...request.body })),
  );

  app.get(
    "/licenses",
    {
      config: { access: "license.read" },
      schema: {
        tags,
        summary: issuer.listLicenses.summary,
        description:
          "`status` may repeat or be comma-separated; `text` is a license key (whole or its last group), " +
          "a license id or part of an account name. Pass `nextCursor` as `cursor` for the next page (same " +
          "filters and sort).",
        querystring: licenseListQuery,
        response: { 200: pageOf(licenseSummarySchema) },
      },
    },
    (request) => call(request, issuer.listLicenses, request.query),
  );

  app.get(
    "/licenses/count",
    {
      config: { access: "license.read" },
      schema: {
        tags,
        summary: issuer.countLicenses.summary,
        description:
          "The filters of `GET /api/licenses` (no sort, no page). The count stops at 10,000: `capped` is " +
          'true when more match (a table shows "10,000+"), so a loose filter over millions of licenses ' +
          "never reads them all.",
        querystring: licenseCountQuery,
        response: { 200: issuer.countLicenses.response },
      },
    },
    (request) => call(request, issuer.countLicenses, request.query),
  );

  app.get(
    "/licenses/:id",
    {
      config: { access: "license.read" },
      schema: {
        tags,
        summary: issuer.getLicense.summary,
        params: licenseRef,
        response: { 200: licenseDetailSchema },
      },
    },
    (request) => call(request, issuer.getLicense, request.params),
  );

  app.post(
    "/licenses/:id/reveal-key",
    {
      config: { access: "license.reveal" },
      schema: {
        tags,
        summary: issuer.revealKey.summary,
        description: "A POST because it is recorded in the license's audit trail.",
        params: licenseRef,
        response: { 200: issuer.revealKey.response },
      },
    },
    (request) => call(request, issuer.revealKey, request.params),
  );

  app.get(
    "/licenses/:id/file",
    {
      config: { access: "license.reveal" },
      schema: {
        tags,
        summary: "Download the current signed license file",
        params: licenseRef,
        response: { 200: fileDownload },
      },
    },
    async (request, reply) =>
      sendFile(reply, request.params.id, await call(request, issuer.getFile, request.params)),
  );

  app.get(
    "/licenses/:id/versions/:serial/file",
    {
      config: { access: "license.reveal" },
      schema: {
        tags,
        summary: "Download the exact signed file of one version",
        params: versionRef,
        response: { 200: fileDownload },
      },
    },
    async (request, reply) =>
      sendFile(reply, request.params.id, await call(request, issuer.getFile, request.params)),
  );

  app.get(
    "/licenses/:id/versions",
    {
      config: { access: "license.read" },
      schema: {
        tags,
        summary: issuer.listVersions.summary,
        params: licenseRef,
        response: { 200: z.object({ items: z.array(licenseVersionSchema) }) },
      },
    },
    (request) => call(request, issuer.listVersions, request.params),
  );

  app.get(
    "/licenses/:id/audit",
    {
      config: { access: "license.read" },
      schema: {
        tags,
        summary: issuer.auditTrail.summary,
        params: licenseRef,
        response: { 200: z.object({ items: z.array(auditEntrySchema) }) },
      },
    },
    (request) => call(request, issuer.auditTrail, request.params),
  );

  app.post(
    "/licenses/:id/amend",
    {
      config: { access: "license.amend" },
      // An amendment may carry a license's whole metadata, up to the model's 2 MiB, as a creation does.
      bodyLimit: LICENSE_BODY_LIMIT,
      schema: {
        tags,
        summary: issuer.amend.summary,
        description:
          "Each member given replaces the license's value; the rest stays. `products` lists every product " +
          "the license keeps (its main product first, none removed). The amended license is checked as a " +
          "creation is: the products' offers, the model's rules, and the right to create its kind " +
          "(`license.create.commercial` or `.test`, `license.create.internal` for internal use: 403 " +
          "otherwise). Activations and units below what is in use, an amendment that changes nothing and " +
          "unknown products are 400; a revoked license 409. With `idempotencyKey`, a repeat returns the " +
          "first answer and signs nothing.",
        params: licenseRef,
        body: issuer.amend.request.omit({ id: true }),
        response: { 200: licenseDetailSchema },
      },
    },
    (request) => call(request, issuer.amend, { ...request.body, id: request.params.id }),
  );

  // Lifecycle changes: the body is the issuer's request without the id, which the path gives.
  const changes = [
    ["renew", issuer.renew, issuer.renew.request.omit({ id: true }), "license.renew"],
    ["reissue", issuer.reissue, issuer.reissue.request.omit({ id: true }), "license.reissue"],
    ["suspend", issuer.suspend, issuer.suspend.request.omit({ id: true }), "license.suspend"],
    ["reinstate", issuer.reinstate, issuer.reinstate.request.omit({ id: true }), "license.reinstate"],
    ["revoke", issuer.revoke, issuer.revoke.request.omit({ id: true }), "license.revoke"],
  ] as const;
  for (const [verb, endpoint, body, access] of changes) {
    app.post(
      `/licenses/:id/${verb}`,
      {
        config: { access },
        schema: {
          tags,
          summary: endpoint.summary,
          params: licenseRef,
          body,
          response: { 200: licenseDetailSchema },
        },
      },
      // Each body was checked against its own endpoint's schema; the union of the five is what TS sees.
      (request) => call(request, endpoint as typeof issuer.renew, { ...request.body, id: request.params.id }),
    );
  }
};
