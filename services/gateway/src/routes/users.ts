import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Users } from "../domain/users.ts";
import {
  createUserRequest,
  createUserResponse,
  directoryEntrySchema,
  directoryQuery,
  updateUserRequest,
  userRef,
  userSchema,
} from "../schemas.ts";
import { signedIn } from "./auth.ts";

/** User management, for superadmins (action `user.manage`), and the directory that license readers pick from. */
export const userRoutes: FastifyPluginAsyncZod<{ users: Users }> = async (app, { users }) => {
  const access = { access: "user.manage" } as const;

  // The licenses table's "Created by" picker: whoever may read licenses (viewers, sales, support)
  // needs to name their creators, without the roles and state that user management shows.
  app.get(
    "/api/users/directory",
    {
      config: { access: "license.read" },
      schema: {
        tags: ["users"],
        summary: "Active users by username: id and username only",
        description:
          "For pickers of a license's creator. Disabled users are left out; `q` matches part of the " +
          "username whatever its case. At most `limit` (1–500, default 500).",
        querystring: directoryQuery,
        response: { 200: z.object({ items: z.array(directoryEntrySchema) }) },
      },
    },
    async (request) => ({ items: await users.directory(request.query) }),
  );

  app.get(
    "/api/users",
    {
      config: access,
      schema: {
        tags: ["users"],
        summary: "Every user, by username",
        response: { 200: z.object({ items: z.array(userSchema) }) },
      },
    },
    async () => ({ items: await users.list() }),
  );

  app.post(
    "/api/users",
    {
      config: access,
      schema: {
        tags: ["users"],
        summary: "Create a user",
        description:
          "Without a password, a temporary one is generated and returned once. Either way the user " +
          "chooses their own password at first sign-in.",
        body: createUserRequest,
        response: { 201: createUserResponse },
      },
    },
    async (request, reply) => {
      const created = await users.create(request.body, { actor: request.actor!, requestId: request.id });
      request.log.info({ userId: created.user.id, roles: created.user.roles }, "user created");
      return reply.code(201).send(created);
    },
  );

  app.patch(
    "/api/users/:id",
    {
      config: access,
      schema: {
        tags: ["users"],
        summary: "Change a user's roles, or disable or enable them",
        description:
          "Disabling ends the user's sessions. You cannot disable yourself or drop your own superadmin " +
          "role, and the last active superadmin cannot be demoted or disabled (409 invalid_state).",
        params: userRef,
        body: updateUserRequest,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const user = await users.update(request.params.id, request.body, request.actor!, request.id);
      request.log.info({ userId: user.id, change: request.body }, "user changed");
      return user;
    },
  );

  app.post(
    "/api/users/:id/password-reset",
    {
      config: access,
      schema: {
        tags: ["users"],
        summary: "Give a user a new temporary password",
        description: "Returned once; the user must change it at next sign-in. Their sessions end.",
        params: userRef,
        response: { 200: z.object({ temporaryPassword: z.string() }) },
      },
    },
    async (request) => {
      const { session, user } = signedIn(request);
      const keep = request.params.id === user.id ? session.tokenHash : undefined;
      const temporaryPassword = await users.resetPassword(
        request.params.id,
        { actor: request.actor!, requestId: request.id },
        keep,
      );
      request.log.info({ userId: request.params.id }, "password reset");
      return { temporaryPassword };
    },
  );
};
