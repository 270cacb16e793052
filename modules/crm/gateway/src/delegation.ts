import {
  delegation,
  delegationCollectorsResponse,
  delegationRenewRequest,
  delegationResponse,
  delegationStatusSchema,
  issuer,
  receiptUploadRequest,
  receiptUploadResponse,
} from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { z } from "zod";

const licenseRef = issuer.getLicense.request;
const tags = ["delegation"];
// Query strings carry text: `holdingSeat=true` becomes the boolean the contract expects (`limit`
// is coerced by the contract itself).
const collectorsQuery = delegation.collectors.request
  .omit({ licenseId: true })
  .extend({ holdingSeat: z.stringbool().optional() });
/**
 * What an exported receipts file of 20,000 receipts needs. A real receipt is about 510 bytes of JSON
 * (a 392-character payload and its 88-character signature, as the test vectors' are): 10.2 MB for
 * 20,000, plus about 1.1 KB for each of up to 1,000 leases, and the indentation of a pretty-printed
 * export. 8 MiB would refuse a full file; 16 MiB leaves room. (The contract's own worst case, every
 * payload at 2,800 characters, would be 58 MB: no cockpit writes receipts that long.) The bus carries
 * a body this large by reference.
 */
export const RECEIPTS_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * A cockpit license's fleet delegation (issue 19), as operators see and steer it: each route one
 * distribution endpoint. Reading needs `usage.read`; answering an offline request, importing
 * receipts carried over an air gap and revoking need `usage.manage`, and the distribution service
 * records who.
 */
export const delegationRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/licenses/:id/delegation",
    {
      config: { access: "usage.read" },
      schema: {
        tags,
        summary: delegation.status.summary,
        description:
          "The delegation certificates signed for the cockpit's key (newest first, revoked ones included), " +
          "the fleet seats in use as the collectors last reported them, how many collectors sent receipts " +
          "(`collectorCount`), the receipts and units in total, and the newest 100 anomalies found in the " +
          "receipt logs. `collectors` holds only the first 50 collectors by machine key id: every one is " +
          "listed a page at a time by `GET /licenses/{id}/delegation/collectors`.",
        params: licenseRef,
        response: { 200: delegationStatusSchema },
      },
    },
    (request) => call(request, delegation.status, { licenseId: request.params.id }),
  );

  app.get(
    "/licenses/:id/delegation/collectors",
    {
      config: { access: "usage.read" },
      schema: {
        tags,
        summary: delegation.collectors.summary,
        description:
          "Every machine whose receipt log came back (the collectors, and the cockpit's own log with no " +
          "lease), ordered by machine key id; `nextCursor` continues, `limit` is 1 to 500 (50 by default). " +
          "`holdingSeat=true` keeps those whose last receipt fell within their lease (the seats in use), " +
          "`false` the others. A cursor not from an earlier page is a 400 `validation_failed`.",
        params: licenseRef,
        querystring: collectorsQuery,
        response: { 200: delegationCollectorsResponse },
      },
    },
    (request) => call(request, delegation.collectors, { ...request.query, licenseId: request.params.id }),
  );

  app.post(
    "/licenses/:id/delegation/answer",
    {
      config: { access: "usage.manage" },
      schema: {
        tags,
        summary: delegation.answerOfflineRequest.summary,
        description:
          "The armored `delegation-request` a cockpit without a connection wrote; the answer is the signed " +
          "`fleet-delegation` certificate to carry back. A request for another license than the path's is " +
          "refused (400, `request.licenseId`). A request is answered once (409 `conflict` for its nonce again).",
        params: licenseRef,
        body: delegationRenewRequest,
        response: { 200: delegationResponse },
      },
    },
    (request) =>
      call(request, delegation.answerOfflineRequest, { ...request.body, licenseId: request.params.id }),
  );

  app.post(
    "/licenses/:id/delegation/receipts",
    {
      config: { access: "usage.manage" },
      bodyLimit: RECEIPTS_BODY_LIMIT,
      schema: {
        tags,
        summary: delegation.importReceipts.summary,
        description:
          "The body is the receipts file the cockpit exported, as it is: `{leases, logs}`, at most 20,000 " +
          "receipts (16 MiB). Receipts accepted before count once (`duplicates`); what does not verify is " +
          "reported in `anomalies`, never counted silently.",
        params: licenseRef,
        body: receiptUploadRequest,
        response: { 200: receiptUploadResponse },
      },
    },
    (request) =>
      call(request, delegation.importReceipts, { licenseId: request.params.id, upload: request.body }),
  );

  app.post(
    "/licenses/:id/delegation/revoke",
    {
      config: { access: "usage.manage" },
      schema: {
        tags,
        summary: delegation.revoke.summary,
        description:
          "The cockpit's certificates are revoked and not renewed; its key is listed as revoked for the " +
          "account, so collectors refuse its leases. The license itself stays as it is. Recorded with the " +
          "operator and the reason.",
        params: licenseRef,
        body: z.strictObject({ reason: delegation.revoke.request.shape.reason }),
        response: { 200: delegationStatusSchema },
      },
    },
    (request) => call(request, delegation.revoke, { licenseId: request.params.id, ...request.body }),
  );
};
