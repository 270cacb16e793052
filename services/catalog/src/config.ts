import { baseConfig, databaseConfig, loadConfig } from "@licensing/platform";

export const catalogConfig = baseConfig.extend(databaseConfig.shape);
export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

export function loadCatalogConfig(env?: Record<string, string | undefined>) {
  return loadConfig(catalogConfig, env);
}
