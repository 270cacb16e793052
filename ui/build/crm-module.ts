import type { Plugin } from "vite";

/** What the app imports to get the CRM module: the module's descriptor, or `null` when left out. */
export const crmModuleId = "virtual:licensing/crm-module";
const resolvedId = `\0${crmModuleId}`;
export const crmPackage = "@licensing/crm-ui";

export interface CrmModuleOptions {
  /**
   * `auto` (the default): include the CRM pages when `@licensing/crm-ui` is installed.
   * `exclude`: leave them out even when it is, as a deployment built without the package would.
   */
  mode?: "auto" | "exclude";
}

/** Reads `UI_CRM` (`auto` | `exclude`) once, and names the variable when its value is wrong. */
export function crmModeFromEnv(value: string | undefined): "auto" | "exclude" {
  if (value === undefined || value === "" || value === "auto") return "auto";
  if (value === "exclude") return "exclude";
  throw new Error(`UI_CRM must be "auto" or "exclude", not "${value}"`);
}

/**
 * The build-time half of the CRM module switch (DESIGN §6): `virtual:licensing/crm-module` becomes a
 * re-export of `@licensing/crm-ui` when that package resolves, else `export default null`, so a build
 * without the package has no CRM code in it at all.
 */
export function crmModule(options: CrmModuleOptions = {}): Plugin {
  const mode = options.mode ?? "auto";
  return {
    name: "licensing-crm-module",
    resolveId(source) {
      return source === crmModuleId ? resolvedId : undefined;
    },
    async load(id) {
      if (id !== resolvedId) return undefined;
      const found = mode === "exclude" ? null : await this.resolve(crmPackage);
      if (!found) return "export default null;\n";
      return `export { default } from ${JSON.stringify(found.id)};\n`;
    },
  };
}
