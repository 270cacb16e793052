// The role × route walk: every route the gateway registered (collected by its onRoute hook), called
// by an anonymous browser and by a user of each role, built-in and custom, expecting exactly what the
// one role × action table (contracts' permissions.ts, joined with the custom roles) says.
import { type Action, actions, isAllowed, roles } from "@licensing/contracts";
import { expect } from "vitest";
import type { RegisteredRoute } from "../src/http/access.ts";
import { Browser, type GatewayUnderTest } from "./gateway-harness.ts";

export interface WalkResult {
  who: string;
  method: string;
  url: string;
  status: number;
  code: string | undefined;
}

// Routes that end what the walk relies on (the session, the module activation) go last.
const last = ["DELETE /api/modules/crm/activation", "POST /api/auth/logout"];

export function walkedRoutes(gw: GatewayUnderTest): RegisteredRoute[] {
  return gw.service
    .routes()
    .filter((r) => r.method !== "HEAD")
    .sort((a, b) => last.indexOf(`${a.method} ${a.url}`) - last.indexOf(`${b.method} ${b.url}`));
}

/** A concrete URL for a route: path parameters get well-formed values of things that do not exist. */
function concrete(url: string): string {
  const prefix = /^\/api\/(users|licenses|presets)\//.exec(url)?.[1];
  const id = { users: "usr", licenses: "lic", presets: "pre" }[prefix ?? ""] ?? "acc";
  return url
    .replace(/:id\b/, `${id}_01ZZZZZZZZZZZZZZZZZZZZZZZZ`)
    .replace(/:code\b/, "no-such-product")
    .replace(/:serial\b/, "1")
    .replace(/:runId\b/, "run_01ZZZZZZZZZZZZZZZZZZZZZZZZ")
    .replace(/:source\b/, "studio")
    .replace(/:key\b/, "walk")
    .replace(/:name\b/, "no-such-role")
    .replace(/\*$/, "walk");
}

/** A custom role the walk defines (as the superadmin) and walks as, beside the built-in ones. */
export interface WalkedCustomRole {
  name: string;
  actions: Action[];
}

/**
 * Checks that every route declares an access the table knows, then walks them all: as anonymous, as
 * each built-in role, and as each of `custom` (defined first through the API).
 */
export async function walkEveryRoute(
  gw: GatewayUnderTest,
  activate: boolean,
  custom: readonly WalkedCustomRole[] = [],
): Promise<WalkResult[]> {
  const routes = walkedRoutes(gw);
  for (const route of routes) {
    expect(
      route.access === "public" || route.access === "signed-in" || actions.includes(route.access as never),
      `${route.method} ${route.url} declares ${route.access ?? "no access"}`,
    ).toBe(true);
  }
  const results: WalkResult[] = [];
  for (const role of custom) {
    const defined = await gw.admin.post("/api/roles", { ...role, description: "Defined by the role walk" });
    expect(defined.statusCode, `defining ${role.name}: ${defined.body}`).toBe(201);
  }
  const visitors: [string, string | undefined][] = [
    ["anonymous", undefined],
    ...roles.map((r) => [r, r] as [string, string]),
    ...custom.map((r) => [r.name, r.name] as [string, string]),
  ];
  for (const [who, role] of visitors) {
    if (activate) {
      const activation = await gw.admin.put("/api/modules/crm/activation", {
        licenseFile: gw.activationLicense(),
      });
      expect(activation.statusCode).toBe(200);
    }
    const browser = role ? await gw.userWith([role]) : new Browser(gw.app);
    for (const route of routes) {
      const method = route.method as "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
      const body = ["POST", "PUT", "PATCH"].includes(method) ? {} : undefined;
      const response = await browser.request(method, concrete(route.url), body);
      const code = response.headers["content-type"]?.toString().includes("json")
        ? (response.json() as { code?: string }).code
        : undefined;
      results.push({ who, method: route.method, url: route.url, status: response.statusCode, code });
      const label = `${who} ${route.method} ${route.url} → ${response.statusCode} ${code ?? ""}`;
      if (route.access === "public") {
        expect([401, 403], label).not.toContain(response.statusCode);
      } else if (!role) {
        expect([response.statusCode, code], label).toEqual([401, "unauthorized"]);
      } else if (route.access === "signed-in" || isAllowed([role], route.access!, custom)) {
        expect([401, 403], label).not.toContain(response.statusCode);
      } else {
        expect([response.statusCode, code], label).toEqual([403, "forbidden"]);
      }
    }
  }
  return results;
}
