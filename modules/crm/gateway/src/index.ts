// @licensing/crm-gateway: the CRM module's HTTP routes. The gateway imports this package at start
// when it is installed (a deployment built without it has no CRM routes), registers the plugin
// under /api behind the module's activation check, and hands it the bus call and the artifact store.
import { releases } from "@licensing/contracts";
import type { GatewayModule } from "@licensing/gateway/module";
import { accountBulkRoutes } from "./account-bulk.ts";
import { accountRoutes } from "./accounts.ts";
import { delegationRoutes } from "./delegation.ts";
import { licenseBulkRoutes } from "./license-bulk.ts";
import { licenseExportRoutes } from "./license-export.ts";
import { licenseRoutes } from "./licenses.ts";
import { migrationRoutes } from "./migration.ts";
import { productRoutes } from "./products.ts";
import { releaseUploadRoutes } from "./release-uploads.ts";
import { releaseRoutes } from "./releases.ts";
import { dashboardRoutes, presetRoutes } from "./settings.ts";
import { scheduleUploadSweep } from "./upload-sweeper.ts";
import { usageRoutes } from "./usage.ts";
import { usageExportRoutes } from "./usage-export.ts";

/** The CRM module as the gateway loads it. */
export const gatewayModule: GatewayModule = {
  name: "crm",
  plugin: async (app, options) => {
    // Not `options` itself: it carries the `/api` prefix, which the routes would get twice.
    const { call, callForItself, artifacts, uploadExpiryMs, nc, subjectPrefix, uploadLockTtlMs } = options;
    if (artifacts) {
      const sweep = scheduleUploadSweep({
        store: artifacts,
        known: async (keys) => (await callForItself(releases.knownArtifactKeys, { keys })).known,
        abandonedAfterMs: uploadExpiryMs,
        everyMs: Math.min(3_600_000, uploadExpiryMs),
        now: () => new Date(),
        log: app.log,
      });
      app.addHook("onClose", () => sweep.stop());
    }
    for (const routes of [
      accountRoutes,
      accountBulkRoutes,
      productRoutes,
      licenseRoutes,
      licenseExportRoutes,
      licenseBulkRoutes,
      dashboardRoutes,
      usageRoutes,
      usageExportRoutes,
      delegationRoutes,
      presetRoutes,
      migrationRoutes,
      releaseRoutes,
      releaseUploadRoutes,
    ])
      await app.register(routes, {
        call,
        callForItself,
        artifacts,
        uploadExpiryMs,
        nc,
        subjectPrefix,
        uploadLockTtlMs,
      });
  },
};
