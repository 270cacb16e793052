import type { Role } from "./context.ts";

/**
 * Everything an operator can do, by name. The gateway checks one of these on every route; the UI
 * shows a control only when the signed-in user holds its action.
 */
export const actions = [
  "account.read",
  "account.write",
  "product.read",
  "product.write",
  "license.read",
  "license.export",
  "license.create.commercial",
  "license.create.test",
  "license.create.internal",
  "license.renew",
  "license.suspend",
  "license.reinstate",
  "license.revoke",
  "license.reissue",
  "license.amend",
  "license.import",
  "license.legacy-file.read",
  "preset.read",
  "preset.write",
  "dashboard.read",
  "usage.read",
  "usage.manage",
  "signing-key.read",
  "signing-key.rotate",
  "user.manage",
  "module.activate",
  "settings.manage",
  "audit.read",
] as const;
export type Action = (typeof actions)[number];

const read: Action[] = [
  "account.read",
  "product.read",
  "license.read",
  "license.export",
  "preset.read",
  "dashboard.read",
  "usage.read",
];

/** The role × action table (docs/architecture.md), the only place that says who may do what. */
export const permissions: Record<Role, readonly Action[]> = {
  superadmin: actions,
  "license-admin": [
    ...read,
    "account.write",
    "product.write",
    "license.create.commercial",
    "license.create.test",
    "license.create.internal",
    "license.renew",
    "license.suspend",
    "license.reinstate",
    "license.revoke",
    "license.reissue",
    "license.amend",
    "license.legacy-file.read",
    "preset.write",
    "usage.manage",
    "signing-key.read",
  ],
  sales: [
    ...read,
    "account.write",
    "license.create.commercial",
    "license.create.test",
    "license.renew",
    "license.amend",
  ],
  support: [...read, "license.create.test"],
  viewer: read,
  // Reads the audit log and nothing else: who did what is visible there; nothing it could change is.
  auditor: ["audit.read"],
};

/** Whether any of `roles` allows `action`. */
export function isAllowed(roles: readonly Role[], action: Action): boolean {
  return roles.some((role) => permissions[role].includes(action));
}

/** Every action `roles` allow, for the UI. */
export function allowedActions(roles: readonly Role[]): Action[] {
  return actions.filter((action) => isAllowed(roles, action));
}
