import { AppError } from "@licensing/contracts";
import type { FastifyInstance } from "fastify";
import type { ModuleActivations } from "./domain/module-activations.ts";
import type { GatewayModule, GatewayModuleOptions } from "./module-api.ts";

/** The package holding the CRM module's routes; a deployment built without it has no CRM routes. */
export const crmModuleSpecifier = "@licensing/crm-gateway";

/**
 * The module package's `gatewayModule`, or undefined when the package is not installed. Only the
 * package itself missing counts as "not installed": a package that is there but fails to load (one
 * of its own dependencies missing, a syntax error) stops the gateway.
 */
export async function loadModule(specifier: string): Promise<GatewayModule | undefined> {
  let loaded: { gatewayModule?: GatewayModule };
  try {
    loaded = (await import(specifier)) as { gatewayModule?: GatewayModule };
  } catch (error) {
    if (isMissing(error, specifier)) return undefined;
    throw error;
  }
  const module = loaded.gatewayModule;
  if (!module || typeof module.plugin !== "function" || typeof module.name !== "string")
    throw new Error(`${specifier} does not export a gatewayModule { name, plugin }`);
  return module;
}

function isMissing(error: unknown, specifier: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === "ERR_MODULE_NOT_FOUND" &&
    typeof message === "string" &&
    message.includes(`Cannot find package '${specifier}'`)
  );
}

/**
 * Registers a module's routes under /api behind the activation check: until a superadmin activates
 * the module (and while its activation is in force), each of them answers 403 `module_inactive`,
 * after the session and role checks.
 */
export async function registerModule(
  app: FastifyInstance,
  module: GatewayModule,
  moduleActivations: ModuleActivations,
  options: GatewayModuleOptions,
): Promise<void> {
  moduleActivations.markPackaged(module.name);
  await app.register(async (scope) => {
    scope.addHook("onRequest", async () => {
      if (!(await moduleActivations.isActive(module.name)))
        throw new AppError(
          "module_inactive",
          `The ${module.name} module is not activated: a superadmin activates it with an activation license in Settings`,
        );
    });
    await scope.register(module.plugin, { ...options, prefix: "/api" });
  });
}
