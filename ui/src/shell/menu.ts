import type { Action } from "@licensing/contracts";
import {
  IconCertificate,
  IconKey,
  IconListSearch,
  IconMail,
  IconShieldLock,
  IconUsers,
} from "@tabler/icons-react";
import type { MenuItem, Modules, UiModule } from "../kit/types.ts";

export interface MenuSection {
  title: string;
  items: MenuItem[];
}

const coreSettings: MenuItem[] = [
  { label: "Activation", path: "/settings/activation", icon: IconCertificate, action: "module.activate" },
  { label: "Users", path: "/settings/users", icon: IconUsers, action: "user.manage" },
  { label: "Roles", path: "/settings/roles", icon: IconShieldLock, action: "user.manage" },
  { label: "Notifications", path: "/settings/notifications", icon: IconMail, action: "settings.manage" },
  { label: "Signing keys", path: "/settings/signing-keys", icon: IconKey, action: "signing-key.read" },
];

// Last, after the modules' settings: it reads what all the others changed.
const auditSetting: MenuItem = {
  label: "Audit",
  path: "/settings/audit",
  icon: IconListSearch,
  action: "audit.read",
};

/**
 * The left menu for a user: the CRM section only when the build includes the module AND the gateway
 * reports it active (docs/architecture.md), and in every section only the entries the user's roles allow.
 */
export function buildMenu(
  session: { permissions: readonly Action[]; modules: Modules },
  crm: UiModule | null,
): MenuSection[] {
  const allowed = (item: MenuItem) => !item.action || session.permissions.includes(item.action);
  const crmOn = crm !== null && session.modules[crm.id]?.active === true;
  const sections: MenuSection[] = [];
  if (crmOn) sections.push({ title: crm.title, items: crm.menu.filter(allowed) });
  sections.push({
    title: "Settings",
    items: [...coreSettings, ...(crmOn ? crm.settingsMenu : []), auditSetting].filter(allowed),
  });
  return sections.filter((section) => section.items.length > 0);
}
