import type { Action } from "@licensing/contracts";
import type { ComponentType } from "react";

// The gateway's HTTP shapes the UI reads. They mirror the gateway's documented API; the contracts
// package holds no gateway schemas yet.

/** Who is signed in. */
export interface SessionUser {
  id: string;
  username: string;
  /** Built-in and custom role names. */
  roles: string[];
  mustChangePassword: boolean;
}

export interface CrmActivation {
  licenseId: string;
  ownerCompany: string;
  endDate: string | null;
  activatedAt: string;
  activatedBy: string;
}

/** The CRM module's two factors (docs/architecture.md), as the gateway sees them. */
export interface ModuleStatus {
  packaged: boolean;
  active: boolean;
  activation: CrmActivation | null;
}

export interface Modules {
  crm: ModuleStatus;
}

/** `POST /api/auth/login` and `GET /api/auth/session`. */
export interface Session {
  user: SessionUser;
  csrfToken: string;
  permissions: Action[];
  modules: Modules;
}

/** A user as `GET /api/users` lists it. */
export interface User {
  id: string;
  username: string;
  /** Built-in and custom role names. */
  roles: string[];
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  lastSignInAt?: string | null;
}

/** A role of the table, as `GET /api/roles` lists it: built in, or defined by a superadmin. */
export interface RoleInfo {
  name: string;
  description: string;
  builtIn: boolean;
  /** What it allows, in the order of the permission list. */
  actions: Action[];
  /** How many users hold it, disabled ones included. */
  users: number;
  /** A custom role's version. */
  version?: number;
  updatedAt?: string;
}

/** One entry of the left menu. */
export interface MenuItem {
  label: string;
  path: string;
  icon?: ComponentType<{ size?: number | string; stroke?: number }>;
  /** Shown only to users holding this action. */
  action?: Action;
}

/** One thing the command palette found: its name, a line that tells it apart, and the page it opens. */
export interface SearchResult {
  /** Unique within its provider's results (an account or license id, a product code). */
  id: string;
  label: string;
  description?: string;
  /** The app path choosing the result navigates to. */
  path: string;
}

/**
 * A kind of thing a module lets the command palette (Ctrl/⌘-K) find, such as accounts or licenses.
 * The shell shows each provider's results as one group, after the pages of the menu.
 */
export interface SearchProvider {
  /** Unique across providers; part of the query's cache key. */
  id: string;
  /** The group's heading in the palette ("Accounts"). */
  group: string;
  /** Searched only for users holding this action: the one the result's page needs. */
  action: Action;
  /** What it finds by, for the palette's "No results" ("by name", "by id, whole key or…"). */
  hint?: string;
  /** Characters typed before it searches (a shorter query would match too much to be useful). */
  minLength: number;
  /**
   * The results for `query` (already trimmed), best first, a handful at most. The descriptor stays
   * tiny, so this usually imports its code the first time it runs.
   */
  search: (query: string, signal: AbortSignal) => Promise<SearchResult[]>;
}

/** A page of a module: opens only for users holding `action`; its code loads when first opened. */
export interface ModulePage {
  path: string;
  action: Action;
  load: () => Promise<ComponentType>;
}

/**
 * What a feature package (such as `@licensing/crm-ui`) adds to the app: its menu entries, by
 * section, and its pages.
 */
export interface UiModule {
  /** The gateway's module name: the module shows only while `session.modules[id].active`. */
  id: keyof Modules;
  /** The section heading of `menu`. */
  title: string;
  menu: MenuItem[];
  /** Entries the module adds to the Settings section. */
  settingsMenu: MenuItem[];
  /** Where the app goes after sign-in when the module is on. */
  home: string;
  /**
   * Its pages. The descriptor itself stays tiny (the app's first load includes it); each page's code
   * is a separate chunk.
   */
  pages: ModulePage[];
  /** What the command palette finds through the module, searched only while the module is active. */
  search?: SearchProvider[];
}
