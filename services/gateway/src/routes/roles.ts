import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Roles } from "../domain/roles.ts";
import { createRoleRequest, noContent, roleRef, roleSchema, updateRoleRequest } from "../schemas.ts";

/**
 * The role × action table (Settings → Roles): the built-in roles, read-only, and the custom ones a
 * user manager defines, changes and deletes. Reading and changing it both take `user.manage`: who
 * gives roles to users is who may see and shape what they allow.
 */
export const roleRoutes: FastifyPluginAsyncZod<{ roles: Roles }> = async (app, { roles }) => {
  const access = { access: "user.manage" } as const;
  const tags = ["roles"];

  app.get(
    "/api/roles",
    {
      config: access,
      schema: {
        tags,
        summary: "Every role and what it allows",
        description:
          "The built-in roles first, in their order, then the custom ones by name; each with its actions " +
          "(in the order of the permission list) and how many users hold it.",
        response: { 200: z.object({ items: z.array(roleSchema) }) },
      },
    },
    async () => ({ items: await roles.list() }),
  );

  app.get(
    "/api/roles/:name",
    {
      config: access,
      schema: { tags, summary: "One role", params: roleRef, response: { 200: roleSchema } },
    },
    (request) => roles.get(request.params.name),
  );

  app.post(
    "/api/roles",
    {
      config: access,
      schema: {
        tags,
        summary: "Define a custom role",
        description:
          "A name of 2 to 40 lower-case letters, digits and hyphens (starting with a letter) that no role " +
          "has (409 `already_exists`, built-in names included), a description, and at least one action. " +
          "You cannot put in a role an action your own roles do not allow (403).",
        body: createRoleRequest,
        response: { 201: roleSchema },
      },
    },
    async (request, reply) => {
      const role = await roles.create(request.body, { actor: request.actor!, requestId: request.id });
      request.log.info({ role: role.name, actions: role.actions }, "role created");
      return reply.code(201).send(role);
    },
  );

  app.patch(
    "/api/roles/:name",
    {
      config: access,
      schema: {
        tags,
        summary: "Change a custom role's description or actions",
        description:
          "Holds from its holders' next request. The name cannot change (users hold the role by name); " +
          "built-in roles cannot change (409 `invalid_state`). With `expectedVersion`, a role changed " +
          "meanwhile is 409 `conflict`.",
        params: roleRef,
        body: updateRoleRequest,
        response: { 200: roleSchema },
      },
    },
    async (request) => {
      const role = await roles.update(request.params.name, request.body, {
        actor: request.actor!,
        requestId: request.id,
      });
      request.log.info({ role: role.name, change: request.body }, "role changed");
      return role;
    },
  );

  app.delete(
    "/api/roles/:name",
    {
      config: access,
      schema: {
        tags,
        summary: "Delete a custom role",
        description:
          "Only a role no user holds, disabled users included (409 `invalid_state` naming them otherwise: " +
          "take the role from them first). Built-in roles cannot be deleted (409 `invalid_state`).",
        params: roleRef,
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await roles.delete(request.params.name, { actor: request.actor!, requestId: request.id });
      request.log.info({ role: request.params.name }, "role deleted");
      return reply.code(204).send();
    },
  );
};
