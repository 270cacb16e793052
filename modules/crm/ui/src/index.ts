import type { UiModule } from "@licensing/ui/kit";
import {
  IconAddressBook,
  IconChartBar,
  IconChartLine,
  IconCloudUpload,
  IconDatabaseImport,
  IconLicense,
  IconPackage,
  IconTemplate,
  IconWand,
} from "@tabler/icons-react";

// The CRM module as the app sees it. This file is in the app's first load, so it only names pages;
// each page's code is its own chunk, and so is the command palette's search code (./search.ts).

const search = () => import("./search.ts");

const crm: UiModule = {
  id: "crm",
  title: "CRM",
  home: "/crm/dashboard",
  menu: [
    { label: "License generator", path: "/crm/generator", icon: IconWand, action: "license.create.test" },
    { label: "Licenses", path: "/crm/licenses", icon: IconLicense, action: "license.read" },
    { label: "Dashboard", path: "/crm/dashboard", icon: IconChartBar, action: "dashboard.read" },
    { label: "Usage report", path: "/crm/usage", icon: IconChartLine, action: "usage.read" },
    { label: "Customer accounts", path: "/crm/accounts", icon: IconAddressBook, action: "account.read" },
    { label: "Update server", path: "/crm/update-server", icon: IconCloudUpload, action: "release.read" },
  ],
  settingsMenu: [
    { label: "Products", path: "/settings/products", icon: IconPackage, action: "product.read" },
    { label: "Presets", path: "/settings/presets", icon: IconTemplate, action: "preset.read" },
    { label: "Migration", path: "/settings/migration", icon: IconDatabaseImport, action: "license.import" },
  ],
  pages: [
    {
      path: "crm/generator",
      action: "license.create.test",
      load: async () => (await import("./licenses/GeneratorPage.tsx")).GeneratorPage,
    },
    {
      path: "crm/licenses",
      action: "license.read",
      load: async () => (await import("./licenses/LicensesPage.tsx")).LicensesPage,
    },
    {
      path: "crm/licenses/:id",
      action: "license.read",
      load: async () => (await import("./licenses/LicensePage.tsx")).LicensePage,
    },
    {
      path: "crm/licenses/:id/amend",
      action: "license.amend",
      load: async () => (await import("./licenses/AmendPage.tsx")).AmendPage,
    },
    {
      path: "crm/dashboard",
      action: "dashboard.read",
      load: async () => (await import("./licenses/DashboardPage.tsx")).DashboardPage,
    },
    {
      path: "crm/usage",
      action: "usage.read",
      load: async () => (await import("./usage/UsageReportPage.tsx")).UsageReportPage,
    },
    {
      path: "crm/update-server",
      action: "release.read",
      load: async () => (await import("./releases/UpdateServerPage.tsx")).UpdateServerPage,
    },
    {
      path: "crm/releases/:id",
      action: "release.read",
      load: async () => (await import("./releases/ReleasePage.tsx")).ReleasePage,
    },
    {
      path: "crm/accounts",
      action: "account.read",
      load: async () => (await import("./accounts/AccountsPage.tsx")).AccountsPage,
    },
    {
      path: "crm/accounts/new",
      action: "account.write",
      load: async () => (await import("./accounts/AccountEditPage.tsx")).NewAccountPage,
    },
    {
      path: "crm/accounts/import",
      action: "account.write",
      load: async () => (await import("./accounts/ImportPage.tsx")).ImportPage,
    },
    {
      path: "crm/accounts/:id",
      action: "account.read",
      load: async () => (await import("./accounts/AccountPage.tsx")).AccountPage,
    },
    {
      path: "crm/accounts/:id/edit",
      action: "account.write",
      load: async () => (await import("./accounts/AccountEditPage.tsx")).EditAccountPage,
    },
    {
      path: "settings/products",
      action: "product.read",
      load: async () => (await import("./products/ProductsPage.tsx")).ProductsPage,
    },
    {
      path: "settings/products/new",
      action: "product.write",
      load: async () => (await import("./products/ProductEditPage.tsx")).NewProductPage,
    },
    {
      path: "settings/products/:code",
      action: "product.read",
      load: async () => (await import("./products/ProductEditPage.tsx")).EditProductPage,
    },
    {
      path: "settings/presets",
      action: "preset.read",
      load: async () => (await import("./settings/PresetsPage.tsx")).PresetsPage,
    },
    {
      path: "settings/presets/new",
      action: "preset.write",
      load: async () => (await import("./settings/PresetEditPage.tsx")).NewPresetPage,
    },
    {
      path: "settings/presets/:id",
      action: "preset.read",
      load: async () => (await import("./settings/PresetEditPage.tsx")).EditPresetPage,
    },
    {
      path: "settings/migration",
      action: "license.import",
      load: async () => (await import("./migration/MigrationPage.tsx")).MigrationPage,
    },
    {
      path: "settings/migration/runs/:runId",
      action: "license.import",
      load: async () => (await import("./migration/RunPage.tsx")).RunPage,
    },
  ],
  // The palette's groups, in this order after the pages; each needs the action of the page it opens.
  search: [
    {
      id: "accounts",
      group: "Accounts",
      action: "account.read",
      hint: "by name or CRM id",
      minLength: 2,
      search: async (query, signal) => (await search()).searchAccounts(query, signal),
    },
    {
      id: "licenses",
      group: "Licenses",
      action: "license.read",
      hint: "by id (lic_…), whole key, the key's last five characters or account name",
      minLength: 2,
      search: async (query, signal) => (await search()).searchLicenses(query, signal),
    },
    {
      id: "products",
      group: "Products",
      action: "product.read",
      hint: "by code or name",
      minLength: 1,
      search: async (query, signal) => (await search()).searchProducts(query, signal),
    },
  ],
};

export default crm;
