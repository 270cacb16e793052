import type { EndpointServer } from "@licensing/bus";
import { audit, catalog, releases as releaseEndpoints } from "@licensing/contracts";
import { listAudit, type Orm } from "@licensing/platform";
import { importAccounts } from "./domain/account-import.ts";
import type { Accounts } from "./domain/accounts.ts";
import type { Products } from "./domain/products.ts";
import type { Releases } from "./domain/releases.ts";

/** The catalog's endpoints: each contract mapped to the rule that answers it. */
export function addCatalogEndpoints(
  server: EndpointServer,
  domain: { orm: Orm; accounts: Accounts; products: Products; releases: Releases },
): void {
  const { orm, accounts, products, releases } = domain;
  server
    .add(catalog.createAccount, (request, ctx) => accounts.create(request, ctx))
    .add(catalog.updateAccount, (request, ctx) => accounts.update(request, ctx))
    .add(catalog.archiveAccount, (request, ctx) => accounts.archive(request.id, ctx))
    .add(catalog.restoreAccount, (request, ctx) => accounts.restore(request.id, ctx))
    .add(catalog.promoteAccount, (request, ctx) => accounts.promote(request.id, ctx))
    .add(catalog.getAccount, (request) => accounts.get(request.id))
    .add(catalog.getAccounts, async (request) => ({ items: await accounts.getMany(request.ids) }))
    .add(catalog.accountNames, async (request) => ({ items: await accounts.names(request.ids) }))
    .add(catalog.searchAccounts, (request) => accounts.search(request))
    .add(catalog.countAccounts, (request) => accounts.count(request))
    .add(catalog.importAccounts, (request, ctx) => importAccounts(orm, request, ctx))
    .add(catalog.createProduct, (request, ctx) => products.create(request, ctx))
    .add(catalog.updateProduct, (request, ctx) => products.update(request, ctx))
    .add(catalog.getProduct, (request) => products.get(request.code))
    .add(catalog.listProducts, async () => ({ items: await products.list() }))
    .add(catalog.deleteProduct, async (request, ctx) => {
      await products.delete(request.code, ctx);
      return { code: request.code, deleted: true as const };
    })
    .add(releaseEndpoints.listChannels, async () => ({ items: await releases.channels() }))
    .add(releaseEndpoints.saveChannel, (request, ctx) => releases.saveChannel(request, ctx))
    .add(releaseEndpoints.deleteChannel, async (request, ctx) => {
      await releases.deleteChannel(request.code, ctx);
      return { code: request.code, deleted: true as const };
    })
    .add(releaseEndpoints.createRelease, (request, ctx) => releases.create(request, ctx))
    .add(releaseEndpoints.updateRelease, (request, ctx) => releases.update(request, ctx))
    .add(releaseEndpoints.addArtifact, (request, ctx) => releases.addArtifact(request, ctx))
    .add(releaseEndpoints.removeArtifact, (request, ctx) => releases.removeArtifact(request, ctx))
    .add(releaseEndpoints.publishRelease, (request, ctx) => releases.publish(request.id, ctx))
    .add(releaseEndpoints.yankRelease, (request, ctx) => releases.yank(request.id, request.reason, ctx))
    .add(releaseEndpoints.deleteRelease, (request, ctx) => releases.delete(request.id, ctx))
    .add(releaseEndpoints.getRelease, (request) => releases.get(request.id))
    .add(releaseEndpoints.knownArtifactKeys, async (request) => ({
      known: await releases.knownArtifactKeys(request.keys),
    }))
    .add(releaseEndpoints.listReleases, async (request) => ({ items: await releases.list(request) }))
    .add(audit.catalog, (request) => listAudit(orm.em.fork(), "catalog", request));
}
