import {
  digestSchema,
  mailCatcher,
  notifier,
  notifierSettingsSchema,
  notifierStateSchema,
  updateNotifierSettingsRequest,
} from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { GatewayModuleOptions } from "../module-api.ts";

/**
 * The expiry digest's settings (Settings → Notifications), each route one notifier endpoint; and
 * the development mail catcher's messages, which answer 503 `service_unavailable` where no catcher
 * runs (anywhere but `npm start`). All for a superadmin: `settings.manage`.
 */
export const notificationRoutes: FastifyPluginAsyncZod<Pick<GatewayModuleOptions, "call">> = async (
  app,
  { call },
) => {
  const access = "settings.manage";
  const tags = ["notifications"];

  app.get(
    "/api/notifications/settings",
    {
      config: { access },
      schema: { tags, summary: notifier.getSettings.summary, response: { 200: notifierSettingsSchema } },
    },
    (request) => call(request, notifier.getSettings, {}),
  );

  app.put(
    "/api/notifications/settings",
    {
      config: { access },
      schema: {
        tags,
        summary: notifier.updateSettings.summary,
        description:
          "Fields left out stay as they are. `smtp.password` is write-only: a string sets it (stored encrypted), " +
          "`null` removes it, leaving it out keeps it. `expectedVersion` makes a concurrent change answer 409 `conflict`.",
        body: updateNotifierSettingsRequest,
        response: { 200: notifierSettingsSchema },
      },
    },
    (request) => call(request, notifier.updateSettings, request.body),
  );

  app.get(
    "/api/notifications/preview",
    {
      config: { access },
      schema: {
        tags,
        summary: notifier.preview.summary,
        querystring: notifier.preview.request,
        response: { 200: digestSchema },
      },
    },
    (request) => call(request, notifier.preview, request.query),
  );

  app.post(
    "/api/notifications/test",
    {
      config: { access },
      schema: {
        tags,
        summary: notifier.sendTest.summary,
        body: notifier.sendTest.request,
        response: { 200: notifier.sendTest.response },
      },
    },
    (request) => call(request, notifier.sendTest, request.body ?? {}),
  );

  app.get(
    "/api/notifications/state",
    {
      config: { access },
      schema: { tags, summary: notifier.state.summary, response: { 200: notifierStateSchema } },
    },
    (request) => call(request, notifier.state, {}),
  );

  app.get(
    "/api/dev-mail",
    {
      config: { access },
      schema: {
        tags,
        summary: mailCatcher.list.summary,
        description: "Only where the development mail catcher runs (`npm start`); elsewhere 503.",
        querystring: mailCatcher.list.request,
        response: { 200: mailCatcher.list.response },
      },
    },
    (request) => call(request, mailCatcher.list, request.query),
  );

  app.get(
    "/api/dev-mail/:id",
    {
      config: { access },
      schema: {
        tags,
        summary: mailCatcher.get.summary,
        params: mailCatcher.get.request,
        response: { 200: mailCatcher.get.response },
      },
    },
    (request) => call(request, mailCatcher.get, request.params),
  );
};
