import type { Action } from "@licensing/contracts";
import type { Modules, SearchProvider, SearchResult, UiModule } from "../kit/types.ts";
import type { MenuSection } from "./menu.ts";

/** A page of the menu as a palette result: the section names it ("Settings") when two share a label. */
export interface PageResult extends SearchResult {
  section: string;
}

/**
 * The menu's pages matching `query`: every word typed appears in the page's label or its section's
 * title. The menu is already what the user may see (roles, module state), so the palette offers no
 * page the menu hides. An empty query lists them all.
 */
export function matchPages(sections: MenuSection[], query: string): PageResult[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return sections.flatMap((section) =>
    section.items
      .filter((item) => {
        const text = `${item.label} ${section.title}`.toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .map((item) => ({
        id: item.path,
        label: item.label,
        description: section.title,
        path: item.path,
        section: section.title,
      })),
  );
}

/**
 * The providers of the modules that are on for this session (packaged and active, as for the menu),
 * each only for users holding the action its results' pages need.
 */
export function searchProviders(
  session: { permissions: readonly Action[]; modules: Modules },
  modules: (UiModule | null)[],
): SearchProvider[] {
  return modules.flatMap((module) =>
    module && session.modules[module.id]?.active === true
      ? (module.search ?? []).filter((provider) => session.permissions.includes(provider.action))
      : [],
  );
}
