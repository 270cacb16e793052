import type { Actor, Role } from "./context.ts";
import { roles } from "./context.ts";

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
  "license.reveal",
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
  "release.read",
  "release.write",
  "release.publish",
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

/** The areas the actions are grouped by where people read them (Settings → Roles), in order. */
export const actionAreas = [
  "Accounts and products",
  "Licenses",
  "Presets, dashboard and usage",
  "Update server",
  "Administration",
] as const;
export type ActionArea = (typeof actionAreas)[number];

/** Each action in words: its area and what it lets a user do. */
export const actionDescriptions: Record<Action, { area: ActionArea; label: string }> = {
  "account.read": { area: "Accounts and products", label: "See accounts" },
  "account.write": { area: "Accounts and products", label: "Create, change, import and archive accounts" },
  "product.read": { area: "Accounts and products", label: "See products" },
  "product.write": { area: "Accounts and products", label: "Create, change and delete products" },
  "license.read": { area: "Licenses", label: "See licenses, their versions and history" },
  "license.reveal": { area: "Licenses", label: "Reveal license keys and download signed license files" },
  "license.export": { area: "Licenses", label: "Export the licenses table as CSV" },
  "license.create.commercial": { area: "Licenses", label: "Generate commercial licenses" },
  "license.create.test": { area: "Licenses", label: "Generate test licenses" },
  "license.create.internal": { area: "Licenses", label: "Generate internal-use licenses" },
  "license.renew": { area: "Licenses", label: "Renew licenses" },
  "license.suspend": { area: "Licenses", label: "Suspend licenses" },
  "license.reinstate": { area: "Licenses", label: "Reinstate suspended licenses" },
  "license.revoke": { area: "Licenses", label: "Revoke licenses" },
  "license.reissue": { area: "Licenses", label: "Re-issue licenses (new key)" },
  "license.amend": { area: "Licenses", label: "Amend licenses (products, units, end date, metadata)" },
  "license.import": { area: "Licenses", label: "Migrate legacy licenses" },
  "license.legacy-file.read": { area: "Licenses", label: "Read migrated licenses' legacy files" },
  "preset.read": { area: "Presets, dashboard and usage", label: "See presets" },
  "preset.write": { area: "Presets, dashboard and usage", label: "Create, change and delete presets" },
  "release.read": { area: "Update server", label: "See releases, their files and channels" },
  "release.write": {
    area: "Update server",
    label: "Create and change draft releases, upload their files, edit channels",
  },
  "release.publish": { area: "Update server", label: "Publish and yank releases" },
  "dashboard.read": { area: "Presets, dashboard and usage", label: "See the dashboard" },
  "usage.read": { area: "Presets, dashboard and usage", label: "See usage and machines" },
  "usage.manage": { area: "Presets, dashboard and usage", label: "Release machines and seats" },
  "signing-key.read": { area: "Administration", label: "See signing keys" },
  "signing-key.rotate": { area: "Administration", label: "Rotate the signing key" },
  "user.manage": { area: "Administration", label: "Manage users and roles" },
  "module.activate": { area: "Administration", label: "Activate and deactivate the CRM module" },
  "settings.manage": { area: "Administration", label: "Change settings (notifications)" },
  "audit.read": { area: "Administration", label: "Read the audit log" },
};

const read: Action[] = [
  "account.read",
  "product.read",
  "license.read",
  "license.export",
  "preset.read",
  "release.read",
  "dashboard.read",
  "usage.read",
];

/**
 * The built-in half of the role × action table (docs/architecture.md). Custom roles (defined by a
 * superadmin, stored by the gateway) are the other half; `actionsOf` joins both, and every check,
 * the gateway's and the services', goes through it or through the actions it put in the actor.
 */
export const permissions: Record<Role, readonly Action[]> = {
  superadmin: actions,
  "license-admin": [
    ...read,
    "license.reveal",
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
    "license.reveal",
    "account.write",
    "license.create.commercial",
    "license.create.test",
    "license.renew",
    "license.amend",
  ],
  support: [...read, "license.reveal", "license.create.test"],
  // Reads everything but the secrets: no key in clear, no signed file (`license.reveal`).
  viewer: read,
  // Reads the audit log and nothing else: who did what is visible there; nothing it could change is.
  auditor: ["audit.read"],
  // Publishes the products' releases (the Update server, issue 18): nothing of licenses or accounts.
  "release-manager": ["product.read", "release.read", "release.write", "release.publish"],
};

/** What each built-in role is for, in a line (Settings → Roles, the role pickers). */
export const roleDescriptions: Record<Role, string> = {
  superadmin: "Users, roles, activation, signing keys, settings; everything else too",
  "license-admin": "Everything on licenses and accounts, internal licenses",
  sales: "Accounts; commercial and test licenses for customers and prospects",
  support: "Test licenses; reads everything",
  viewer: "Reads everything but license keys and signed files, changes nothing",
  auditor: "Reads the audit log (Settings → Audit), nothing else",
  "release-manager": "Drafts, uploads, publishes and yanks product releases (Update server)",
};

/** A role as the table holds it: built in (permissions above), or defined by a superadmin. */
export interface RoleDefinition {
  name: string;
  description: string;
  actions: readonly Action[];
  builtIn: boolean;
}

/** The built-in roles as definitions, in their order. */
export const builtInRoles: readonly RoleDefinition[] = roles.map((name) => ({
  name,
  description: roleDescriptions[name],
  actions: permissions[name],
  builtIn: true,
}));

/** Whether `name` is a built-in role. */
export function isBuiltInRole(name: string): name is Role {
  return (roles as readonly string[]).includes(name);
}

/**
 * Every action `roleNames` allow, in the order of `actions`: a built-in role's from the table above,
 * a custom role's from `custom` (the gateway's stored roles). A name that is neither allows nothing.
 */
export function actionsOf(
  roleNames: readonly string[],
  custom: readonly Pick<RoleDefinition, "name" | "actions">[] = [],
): Action[] {
  const held = new Set<Action>();
  for (const name of roleNames) for (const action of grantedBy(name, custom)) held.add(action);
  return actions.filter((action) => held.has(action));
}

/** Whether any of `roleNames` allows `action` (custom roles from `custom`, as in actionsOf). */
export function isAllowed(
  roleNames: readonly string[],
  action: Action,
  custom: readonly Pick<RoleDefinition, "name" | "actions">[] = [],
): boolean {
  // Checked on every request: each role's list is read, not every action of all of them gathered.
  return roleNames.some((name) => grantedBy(name, custom).includes(action));
}

/** What one role allows: a built-in role's from the table, a custom role's from `custom`. */
function grantedBy(name: string, custom: readonly Pick<RoleDefinition, "name" | "actions">[]) {
  return (isBuiltInRole(name) ? permissions[name] : custom.find((r) => r.name === name)?.actions) ?? [];
}

/** Every action `roleNames` allow, for the UI (the same as actionsOf). */
export function allowedActions(
  roleNames: readonly string[],
  custom: readonly Pick<RoleDefinition, "name" | "actions">[] = [],
): Action[] {
  return actionsOf(roleNames, custom);
}

/**
 * Whether the acting operator may do `action`: how a service behind the bus checks. The gateway
 * resolves the operator's roles, custom ones included, into `actor.actions` and signs them in the
 * actor assertion; a service trusts that list (it trusts the signed roles the same way). An actor
 * made without the list (by a service for itself, a command-line tool, a run stored before the list
 * existed) is judged by its built-in roles only.
 */
export function actorMay(actor: Actor, action: Action): boolean {
  if (actor.actions) return actor.actions.includes(action);
  return isAllowed(actor.roles.filter(isBuiltInRole), action);
}

/** A custom role's name: how long it may be, and what it is made of. */
export const customRoleNameRule = {
  minLength: 2,
  maxLength: 40,
  /** Lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen. */
  pattern: /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/,
  message:
    "must be lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen",
} as const;

/** The longest description of a custom role. */
export const roleDescriptionMaxLength = 200;
