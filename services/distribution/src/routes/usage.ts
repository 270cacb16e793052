import {
  AppError,
  balanceSchema,
  statusRequest,
  statusResponse,
  usageRequest,
  usageResponse,
} from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { remaining, requireFingerprintAllowed, requireNotBlocked } from "../domain/licenses.ts";
import { countUsageReport } from "../metrics.ts";
import { licenseOf, type RouteDeps } from "./deps.ts";

/** Usage reports and balance, and the signed status check. */
export const usageRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, usage, machines, signing, now } = deps;
  const common = { config: { auth: "licenseKey" as const }, onRequest: requireLicense };

  app.post(
    "/v1/usage",
    {
      ...common,
      schema: {
        tags: ["usage"],
        summary: "Report the units one execution used",
        description:
          "Counted once per idempotency key, however often it is retried (a repeat answers duplicate: true; " +
          "the same key with other units is 409 conflict). Never more than unitsPerExecution (400) nor, in " +
          "total, accumulatedUnits (409 units_exhausted); -1 means unlimited. Answers the balance.",
        body: usageRequest,
        response: { 200: usageResponse },
      },
    },
    async (request) => countUsageReport(() => usage.report(licenseOf(request), request.body)),
  );

  app.get(
    "/v1/usage",
    {
      ...common,
      schema: {
        tags: ["usage"],
        summary: "The balance: units consumed and remaining, last use",
        response: { 200: balanceSchema },
      },
    },
    async (request) => {
      const license = licenseOf(request);
      requireNotBlocked(license);
      return usage.balance(license);
    },
  );

  app.post(
    "/v1/status",
    {
      ...common,
      schema: {
        tags: ["status"],
        summary: "Check the license's standing: a signed answer echoing the client's nonce",
        description:
          "The answer is a `status` document signed by the issuer, carrying the nonce sent and the server's " +
          "time, so a replayed or forged answer is recognisable. Suspended and revoked licenses get 403 " +
          "license_suspended / license_revoked. Needs the issuer (503 while it is down).",
        body: statusRequest,
        response: { 200: statusResponse },
      },
    },
    async (request) => {
      const license = licenseOf(request);
      requireNotBlocked(license);
      const { fingerprint, nonce } = request.body;
      if (fingerprint !== undefined) requireFingerprintAllowed(license, fingerprint);
      const at = now();
      const [balance, activated] = await Promise.all([
        usage.balance(license),
        fingerprint === undefined ? null : machines.isActive(license.licenseId, fingerprint),
      ]);
      const status =
        license.endDate !== null && Date.parse(license.endDate) <= at.getTime()
          ? "expired"
          : Date.parse(license.startDate) > at.getTime()
            ? "not_yet_valid"
            : "active";
      const document = await signing.status({
        licenseId: license.licenseId,
        nonce,
        at: at.toISOString(),
        status,
        serial: license.serial,
        endDate: license.endDate,
        fingerprint: fingerprint ?? null,
        activated,
        unitsConsumed: balance.unitsConsumed,
        unitsRemaining: remaining(balance.accumulatedUnits, balance.unitsConsumed),
        lastUsedAt: balance.lastUsedAt,
      });
      if (!document) throw new AppError("internal", "No status document");
      return { document };
    },
  );
};
