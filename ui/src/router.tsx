import { createBrowserRouter, type RouteObject } from "react-router";
import { guardedPage as page } from "./kit/routes.tsx";
import type { UiModule } from "./kit/types.ts";
import { FullPageLoader } from "./shell/FullPageLoader.tsx";
import { ModuleGate, NotFound } from "./shell/guards.tsx";
import { Home } from "./shell/Home.tsx";
import { Root } from "./shell/Root.tsx";
import { RouteError } from "./shell/RouteError.tsx";

/** Every route of the app; the CRM module's only when the build includes it (`crm` not null). */
export function appRoutes(crm: UiModule | null): RouteObject[] {
  return [
    {
      path: "/",
      element: <Root crm={crm} />,
      errorElement: <RouteError />,
      hydrateFallbackElement: <FullPageLoader />,
      children: [
        { index: true, element: <Home crm={crm} /> },
        page(
          "settings/activation",
          "module.activate",
          async () => (await import("./pages/settings/ActivationPage.tsx")).ActivationPage,
        ),
        page(
          "settings/users",
          "user.manage",
          async () => (await import("./pages/settings/UsersPage.tsx")).UsersPage,
        ),
        page(
          "settings/roles",
          "user.manage",
          async () => (await import("./pages/settings/RolesPage.tsx")).RolesPage,
        ),
        page(
          "settings/notifications",
          "settings.manage",
          async () =>
            (await import("./pages/settings/notifications/NotificationsPage.tsx")).NotificationsPage,
        ),
        page(
          "settings/signing-keys",
          "signing-key.read",
          async () => (await import("./pages/settings/SigningKeysPage.tsx")).SigningKeysPage,
        ),
        page(
          "settings/audit",
          "audit.read",
          async () => (await import("./pages/settings/AuditPage.tsx")).AuditPage,
        ),
        ...(crm
          ? [
              {
                element: <ModuleGate module={crm} />,
                children: crm.pages.map((p) => page(p.path, p.action, p.load)),
              },
            ]
          : []),
        { path: "*", element: <NotFound /> },
      ],
    },
  ];
}

export function createAppRouter(crm: UiModule | null) {
  return createBrowserRouter(appRoutes(crm));
}
