// Resolved at build time by ui/build/crm-module.ts: the CRM package's module, or null when the build
// leaves it out.
declare module "virtual:licensing/crm-module" {
  import type { UiModule } from "./kit/types.ts";

  const crm: UiModule | null;
  export default crm;
}
