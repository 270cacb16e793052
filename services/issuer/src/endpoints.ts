import type { EndpointServer } from "@licensing/bus";
import { audit, issuer } from "@licensing/contracts";
import { listAudit, type Orm } from "@licensing/platform";
import type { Amendment } from "./domain/amendment.ts";
import type { DashboardFigures } from "./domain/dashboard.ts";
import { DocumentSigner } from "./domain/documents.ts";
import { expiringLicenses } from "./domain/expiring.ts";
import type { ExpiryRule } from "./domain/expiry.ts";
import type { Issuance } from "./domain/issuance.ts";
import type { LegacyImport } from "./domain/legacy-import.ts";
import { previewLegacy } from "./domain/legacy-preview.ts";
import type { LegacyRuns } from "./domain/legacy-runs.ts";
import type { LicenseDigests } from "./domain/license-digests.ts";
import type { LicenseQueries } from "./domain/license-queries.ts";
import type { Lifecycle } from "./domain/lifecycle.ts";
import type { Presets } from "./domain/presets.ts";
import type { SigningKeys } from "./domain/signing-keys.ts";

export interface IssuerDomain {
  orm: Orm;
  issuance: Issuance;
  lifecycle: Lifecycle;
  amendment: Amendment;
  queries: LicenseQueries;
  dashboard: DashboardFigures;
  presets: Presets;
  signingKeys: SigningKeys;
  expiry: ExpiryRule;
  legacyImport: LegacyImport;
  legacyRuns: LegacyRuns;
  digests: LicenseDigests;
}

/** The issuer's endpoints: each contract mapped to the rule that answers it. */
export function addIssuerEndpoints(server: EndpointServer, domain: IssuerDomain): void {
  const { issuance, lifecycle, queries, dashboard, presets, signingKeys } = domain;
  server
    .add(issuer.createLicense, (request, ctx) => issuance.create(request, ctx))
    .add(issuer.quickGenerate, async (request, ctx) => {
      const preset = await presets.get(request.presetId);
      return issuance.create(
        {
          ...preset.parameters,
          accountId: request.accountId,
          count: 1,
          idempotencyKey: request.idempotencyKey,
          ownerIpAddress: request.ownerIpAddress,
          createdAtComputer: request.createdAtComputer,
        },
        ctx,
        preset.id,
      );
    })
    .add(issuer.getLicense, (request) => queries.get(request.id))
    .add(issuer.revealKey, (request, ctx) => queries.revealKey(request.id, ctx))
    .add(issuer.getFile, (request, ctx) => queries.file(request.id, request.serial, ctx))
    .add(issuer.listVersions, async (request) => ({ items: await queries.versions(request.id) }))
    .add(issuer.auditTrail, async (request) => ({ items: await queries.audit(request.id) }))
    .add(audit.issuer, (request) => listAudit(domain.orm.em.fork(), "issuer", request))
    .add(issuer.renew, (request, ctx) => lifecycle.renew(request, ctx))
    .add(issuer.reissue, (request, ctx) => lifecycle.reissue(request, ctx))
    .add(issuer.amend, (request, ctx) => domain.amendment.amend(request, ctx))
    .add(issuer.setNotice, (request, ctx) => lifecycle.setNotice(request, ctx))
    .add(issuer.suspend, (request, ctx) => lifecycle.suspend(request.id, request.reason, ctx))
    .add(issuer.reinstate, (request, ctx) => lifecycle.reinstate(request.id, request.reason ?? null, ctx))
    .add(issuer.revoke, (request, ctx) => lifecycle.revoke(request.id, request.reason, ctx))
    .add(issuer.importLegacy, (request, ctx) => domain.legacyImport.import(request, ctx))
    .add(issuer.previewLegacy, (request, ctx) => previewLegacy(domain.orm, request, ctx))
    .add(issuer.legacyFile, (request, ctx) => domain.legacyRuns.provenance(request.id, ctx))
    .add(issuer.rollbackMigration, (request, ctx) => domain.legacyRuns.rollback(request.runId, ctx))
    .add(issuer.listLicenses, (request) => queries.list(request))
    .add(issuer.countLicenses, (request) => queries.count(request))
    .add(issuer.dashboard, () => dashboard.compute())
    .add(issuer.expiring, (request) => expiringLicenses(domain.orm, request, domain.expiry))
    .add(issuer.licenseDigestPage, (request, ctx) => domain.digests.page(request.after, request.limit, ctx))
    .add(issuer.currentLicenseEvent, (request, ctx) => domain.digests.currentEvent(request.id, ctx))
    .add(issuer.listPresets, async () => ({ items: await presets.list() }))
    .add(issuer.createPreset, (request, ctx) => presets.create(request, ctx))
    .add(issuer.updatePreset, (request, ctx) => presets.update(request, ctx))
    .add(issuer.deletePreset, async (request, ctx) => {
      await presets.delete(request.id, ctx);
      return { id: request.id, deleted: true as const };
    })
    .add(issuer.listSigningKeys, async () => ({ items: await signingKeys.list() }))
    .add(issuer.rotateSigningKey, (request, ctx) => signingKeys.rotate(ctx, request.role))
    .add(issuer.signDocument, (request) =>
      new DocumentSigner(signingKeys).sign(request.purpose, request.payload),
    );
}
