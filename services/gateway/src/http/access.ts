import { AppError, actions } from "@licensing/contracts";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { ActiveSession, Sessions } from "../domain/sessions.ts";
import { actorOf } from "../domain/users.ts";
import type { RouteAccess } from "../module-api.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The session and user of a signed-in request, null otherwise. */
    signedIn: ActiveSession | null;
  }
}

export const sessionCookie = "lic_session";
export const csrfHeader = "x-csrf-token";

/** A route as the gateway registered it, with the access it declared. */
export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  hidden: boolean;
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Marks every route of the calling scope that declares no access as public; for plugins that add
 * routes of their own (API docs, static files).
 */
export function markRoutesPublic(scope: FastifyInstance): void {
  scope.addHook("onRoute", (route) => {
    route.config = { ...route.config, access: route.config?.access ?? "public" };
  });
}

/**
 * The one place that decides who may call what. Every route declares `config.access` (an action of
 * the role × action table, "signed-in" or "public"); a route that declares none, or an unknown
 * action, stops the gateway at start. Per request, in this order: the session (401 without one),
 * the CSRF token on state-changing requests (403 csrf_failed), a pending password change (403),
 * the action (403 forbidden), among those the user's roles allow (built-in and custom: domain/roles.ts).
 */
export function installAccessControl(app: FastifyInstance, sessions: Sessions): () => RegisteredRoute[] {
  const routes: { options: RouteOptions; method: string }[] = [];
  app.decorateRequest("actor", null);
  app.decorateRequest("signedIn", null);

  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routes.push({ options: route, method });
  });

  app.addHook("onReady", async () => {
    const missing = registered().filter(
      (r) =>
        r.access === undefined ||
        (r.access !== "public" && r.access !== "signed-in" && !actions.includes(r.access)),
    );
    if (missing.length > 0)
      throw new Error(
        `Every route must declare config.access (an action of permissions.ts, "signed-in" or "public"): ${missing
          .map((r) => `${r.method} ${r.url} (${r.access ?? "none"})`)
          .join(", ")}`,
      );
  });

  app.addHook("onRequest", async (request, reply) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access === undefined) throw new AppError("internal", "This route declares no access");
    const token = request.cookies[sessionCookie];
    const active = token ? await sessions.resume(token) : undefined;
    if (active) {
      request.signedIn = active;
      request.actor = actorOf(active.user, active.actions);
    } else if (token) {
      // The session ended (signed out, expired, revoked): drop the stale cookie.
      reply.clearCookie(sessionCookie, { path: "/" });
    }
    if (access === "public") return;
    if (!active) throw new AppError("unauthorized", "Sign in first (no session, or it has ended)");
    if (!safeMethods.has(request.method) && !sessions.checkCsrf(active.session, csrfTokenOf(request)))
      throw new AppError(
        "csrf_failed",
        "Missing or wrong X-CSRF-Token header; use the token from sign-in or GET /api/auth/session",
      );
    if (access === "signed-in") return;
    if (active.user.mustChangePassword)
      throw new AppError("forbidden", "Change your password (POST /api/auth/password) before anything else");
    // The actions the roles allow, custom roles included, as Sessions.resume resolved them.
    if (!active.actions.includes(access))
      throw new AppError("forbidden", `Your roles (${active.user.roles.join(", ")}) do not allow ${access}`);
  });

  function registered(): RegisteredRoute[] {
    return routes.map(({ options, method }) => ({
      method,
      url: options.url,
      access: options.config?.access,
      hidden: Boolean((options.schema as { hide?: boolean } | undefined)?.hide),
    }));
  }

  return registered;
}

function csrfTokenOf(request: FastifyRequest): string | undefined {
  const value = request.headers[csrfHeader];
  return Array.isArray(value) ? value[0] : value;
}

/** The action a route requires, for its documentation. */
export function describeAccess(access: RouteAccess): string {
  if (access === "public") return "Public.";
  if (access === "signed-in") return "Any signed-in user.";
  return `Requires the \`${access}\` action.`;
}
