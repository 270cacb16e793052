import { AppError, idOf, newId, text, timestamp } from "@licensing/contracts";
import type { Orm } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { SavedViewEntity, type SavedViewRow, savedViewTables } from "../domain/entities.ts";
import { noContent } from "../schemas.ts";

/** Saved views one operator may keep per table: a menu, not an archive. */
export const MAX_VIEWS_PER_TABLE = 50;

const tableSchema = z.enum(savedViewTables);
const viewSchema = z.object({
  id: z.string(),
  table: tableSchema,
  name: z.string(),
  /** The table's query string (`status=expiring&product=collector`), without the `?`. */
  query: z.string(),
  createdAt: timestamp,
});
const createViewRequest = z.strictObject({
  table: tableSchema,
  name: text(80),
  query: z
    .string()
    .max(2_000)
    .transform((query) => query.replace(/^\?/, "")),
});

const toView = (row: SavedViewRow) => ({
  id: row.id,
  table: row.tableName,
  name: row.name,
  query: row.query,
  createdAt: row.createdAt.toISOString(),
});

/**
 * Saved views (issue 17): named filter sets of the licenses and accounts tables, each operator's
 * own, stored in the gateway's schema. Any signed-in user manages their own; nobody sees another's.
 */
export const viewRoutes: FastifyPluginAsyncZod<{ orm: Orm }> = async (app, { orm }) => {
  const tags = ["views"];

  app.get(
    "/api/views",
    {
      config: { access: "signed-in" },
      schema: {
        tags,
        summary: "The signed-in user's saved views of a table, by name",
        querystring: z.strictObject({ table: tableSchema }),
        response: { 200: z.object({ items: z.array(viewSchema) }) },
      },
    },
    async (request) => {
      const rows = await orm.em
        .fork()
        .find(
          SavedViewEntity,
          { userId: request.actor!.id, tableName: request.query.table },
          { orderBy: { nameKey: "asc" } },
        );
      return { items: rows.map(toView) };
    },
  );

  app.post(
    "/api/views",
    {
      config: { access: "signed-in" },
      schema: {
        tags,
        summary: "Save a table's filters under a name",
        description:
          `Names are 1–80 characters, unique per user and table whatever their case (409 \`already_exists\`); ` +
          `at most ${MAX_VIEWS_PER_TABLE} views per user and table (409 \`conflict\` beyond). The query is the ` +
          "table's query string as its address carries it (at most 2,000 characters).",
        body: createViewRequest,
        response: { 201: viewSchema },
      },
    },
    async (request, reply) => {
      const { table, name, query } = request.body;
      const userId = request.actor!.id;
      const em = orm.em.fork();
      const saved = await em.transactional(async (tx) => {
        const existing = await tx.count(SavedViewEntity, { userId, tableName: table });
        if (existing >= MAX_VIEWS_PER_TABLE)
          throw new AppError(
            "conflict",
            `You have ${MAX_VIEWS_PER_TABLE} saved views of the ${table} table, the most there can be: delete one first`,
          );
        const row = tx.create(SavedViewEntity, {
          id: newId("savedView"),
          userId,
          tableName: table,
          name,
          nameKey: name.toLowerCase(),
          query,
          createdAt: new Date(),
        });
        try {
          await tx.flush();
        } catch (error) {
          if (error instanceof UniqueConstraintViolationException)
            throw new AppError(
              "already_exists",
              `You already have a view named "${name}" of the ${table} table`,
            );
          throw error;
        }
        return row;
      });
      return reply.code(201).send(toView(saved));
    },
  );

  app.delete(
    "/api/views/:id",
    {
      config: { access: "signed-in" },
      schema: {
        tags,
        summary: "Delete one of the signed-in user's saved views",
        params: z.strictObject({ id: idOf("savedView") }),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      const deleted = await orm.em
        .fork()
        .nativeDelete(SavedViewEntity, { id: request.params.id, userId: request.actor!.id });
      // Another user's view is as absent as one that never was.
      if (deleted === 0) throw AppError.notFound("Saved view", request.params.id);
      return reply.code(204).send();
    },
  );
};
