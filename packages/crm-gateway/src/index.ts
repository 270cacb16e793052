// @licensing/crm-gateway: the CRM module's HTTP routes. The gateway imports this package at start
// when it is installed (a deployment built without it has no CRM routes), registers the plugin
// under /api behind the module's activation check, and hands it the bus call it needs.
import type { GatewayModule } from "@licensing/gateway/module";
import { accountRoutes } from "./accounts.ts";
import { productRoutes } from "./products.ts";

/** The CRM module as the gateway loads it. */
export const gatewayModule: GatewayModule = {
  name: "crm",
  plugin: async (app, { call }) => {
    await app.register(accountRoutes, { call });
    await app.register(productRoutes, { call });
  },
};
