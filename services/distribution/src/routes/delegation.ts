import {
  delegationRenewRequest,
  delegationResponse,
  MAX_RECEIPTS_PER_UPLOAD,
  receiptUploadRequest,
  receiptUploadResponse,
} from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { licenseOf, type RouteDeps } from "./deps.ts";

/**
 * What the largest upload the contract allows takes as JSON: each receipt at its longest (2,800
 * characters of payload, 88 of signature, and the members around them), each lease at its longest.
 */
export const RECEIPTS_BODY_LIMIT = MAX_RECEIPTS_PER_UPLOAD * 2_950 + 1_000 * 16_400 + 1_000 * 120;

/** The cockpit as a bounded license authority (issue 19): its certificate, and its receipts coming back. */
export const delegationRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, delegations, receipts } = deps;
  const common = { config: { auth: "licenseKey" as const }, onRequest: requireLicense };

  app.post(
    "/v1/delegations",
    {
      ...common,
      schema: {
        tags: ["delegation"],
        summary: "Get a delegation certificate for the cockpit's own key (issue it, or renew it)",
        description:
          "The body carries a `delegation-request` document signed with the key to certify, naming this " +
          "license and a fresh nonce (answered once: a repeat is 409 conflict). The license must have fleet " +
          "seats and be usable; a revoked delegation is never renewed (403). The certificate lasts 30 days " +
          "at most, never past the license's end. Needs the issuer to sign.",
        body: delegationRenewRequest,
        response: { 200: delegationResponse },
      },
    },
    async (request) => delegations.issue(request.body.request, { license: licenseOf(request) }),
  );

  app.post(
    "/v1/receipts",
    {
      ...common,
      bodyLimit: RECEIPTS_BODY_LIMIT,
      schema: {
        tags: ["delegation"],
        summary: "Upload usage receipts of the cockpit and its collectors, with the leases they ran under",
        description:
          `At most ${MAX_RECEIPTS_PER_UPLOAD} receipts per upload. Each receipt accepted is counted once ` +
          "against the license (a replayed upload answers duplicates); what is wrong (gap, fork, broken link, " +
          "altered receipt, unknown machine, invalid lease, over seats, over units) is answered and kept as " +
          "an anomaly, never silently counted. Accepted whatever the license's state: the usage happened.",
        body: receiptUploadRequest,
        response: { 200: receiptUploadResponse },
      },
    },
    async (request) => receipts.import(licenseOf(request), request.body),
  );
};
