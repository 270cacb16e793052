import { AppError } from "@licensing/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Roles } from "../domain/roles.ts";
import type { ActiveSession, Sessions } from "../domain/sessions.ts";
import { checkNewPassword, type Users } from "../domain/users.ts";
import { sessionCookie } from "../http/access.ts";
import type { LoginLimiter } from "../http/login-limits.ts";
import {
  changePasswordRequest,
  loginRequest,
  type Modules,
  noContent,
  type SessionView,
  sessionSchema,
} from "../schemas.ts";

export interface AuthRouteDeps {
  users: Users;
  roles: Roles;
  sessions: Sessions;
  limiter: LoginLimiter;
  modules: () => Promise<Modules>;
  cookieSecure: boolean;
}

/** Sign-in, sign-out, the current session, and the user's own password change. */
export const authRoutes: FastifyPluginAsyncZod<AuthRouteDeps> = async (app, deps) => {
  const { users, roles, sessions, limiter, modules } = deps;

  const view = async ({ session, user, actions }: ActiveSession): Promise<SessionView> => ({
    user: {
      id: user.id,
      username: user.username,
      roles: user.roles,
      mustChangePassword: user.mustChangePassword,
    },
    csrfToken: sessions.csrfToken(session),
    permissions: actions,
    modules: await modules(),
  });

  app.post(
    "/api/auth/login",
    {
      config: { access: "public" },
      schema: {
        tags: ["auth"],
        summary: "Sign in",
        description:
          "Starts a session: sets the httpOnly `lic_session` cookie and returns the user, the CSRF token " +
          "for state-changing requests, the user's permissions and the modules. Wrong credentials are one " +
          "generic 401. Failed attempts slow further ones (per username and client address, per address, " +
          "and per username from addresses the user has not signed in from lately): while one must wait, " +
          "the answer is 429 `rate_limited` with Retry-After, even for the right password.",
        body: loginRequest,
        response: { 200: sessionSchema },
      },
    },
    async (request, reply) => {
      // Counted as a failure until the password proves right (see http/login-limits.ts).
      const attempt = await limiter
        .admit(request, reply, request.body.username, "sign-in")
        .catch(async (error: unknown) => {
          if (error instanceof AppError && error.code === "rate_limited")
            await users.signInRefused(
              request.body.username,
              request.id,
              "too many failed attempts: must wait",
            );
          throw error;
        });
      const user = await users.authenticate(request.body.username, request.body.password, request.id);
      await attempt.succeeded();
      // A new session on every sign-in (never the one the browser came with: no session fixation).
      if (request.signedIn) await sessions.end(request.signedIn.session.tokenHash);
      const { token, session } = await sessions.create(user.id);
      setSessionCookie(reply, token, sessions.cookieMaxAgeSeconds(session), deps.cookieSecure);
      request.log.info({ userId: user.id, username: user.username }, "signed in");
      return view({ session, user, actions: await roles.actionsOf(user.roles) });
    },
  );

  app.post(
    "/api/auth/logout",
    {
      config: { access: "signed-in" },
      schema: { tags: ["auth"], summary: "Sign out (ends the session)", response: { 204: noContent } },
    },
    async (request, reply) => {
      const { session, user } = signedIn(request);
      await sessions.end(session.tokenHash);
      await users.signedOut(user, request.id);
      reply.clearCookie(sessionCookie, { path: "/" });
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/auth/session",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["auth"],
        summary: "The current session",
        description: "The same answer as sign-in, with a fresh CSRF token; 401 when signed out.",
        response: { 200: sessionSchema },
      },
    },
    (request) => view(signedIn(request)),
  );

  app.post(
    "/api/auth/password",
    {
      config: { access: "signed-in" },
      schema: {
        tags: ["auth"],
        summary: "Change your own password",
        description:
          "Needs the current password; the new one has at least 12 characters and is not the username. " +
          "Ends the user's other sessions. Wrong current passwords count with failed sign-ins of the same " +
          "user and address: past the limits, 429 `rate_limited` with Retry-After.",
        body: changePasswordRequest,
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      const { session, user } = signedIn(request);
      const { currentPassword, newPassword } = request.body;
      // Rules that need no secret first: a too-short new password is no guess at the current one.
      checkNewPassword(user.username, currentPassword, newPassword);
      const attempt = await limiter.admit(request, reply, user.username, "password");
      await users.changePassword(user.id, currentPassword, newPassword, session.tokenHash, request.id);
      await attempt.succeeded();
      request.log.info({ userId: user.id }, "password changed");
      return reply.code(204).send();
    },
  );
};

export function signedIn(request: FastifyRequest): ActiveSession {
  if (!request.signedIn) throw new AppError("unauthorized", "Sign in first");
  return request.signedIn;
}

function setSessionCookie(reply: FastifyReply, token: string, maxAge: number, secure: boolean): void {
  reply.setCookie(sessionCookie, token, { httpOnly: true, secure, sameSite: "strict", path: "/", maxAge });
}
