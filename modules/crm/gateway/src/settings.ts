import { dashboardResponse, issuer, presetSchema } from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { z } from "zod";

const presetRef = issuer.deletePreset.request;

/** The dashboard's figures: one issuer endpoint. */
export const dashboardRoutes: GatewayModulePlugin = async (app, { call }) => {
  app.get(
    "/dashboard",
    {
      config: { access: "dashboard.read" },
      schema: {
        tags: ["dashboard"],
        summary: issuer.dashboard.summary,
        response: { 200: dashboardResponse },
      },
    },
    (request) => call(request, issuer.dashboard, {}),
  );
};

/** Presets behind quick-generate, each route one issuer endpoint (the id comes from the path). */
export const presetRoutes: GatewayModulePlugin = async (app, { call }) => {
  const tags = ["presets"];
  app.get(
    "/presets",
    {
      config: { access: "preset.read" },
      schema: {
        tags,
        summary: issuer.listPresets.summary,
        response: { 200: z.object({ items: z.array(presetSchema) }) },
      },
    },
    (request) => call(request, issuer.listPresets, {}),
  );

  app.post(
    "/presets",
    {
      config: { access: "preset.write" },
      schema: {
        tags,
        summary: issuer.createPreset.summary,
        body: issuer.createPreset.request,
        response: { 201: presetSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await call(request, issuer.createPreset, request.body)),
  );

  app.patch(
    "/presets/:id",
    {
      config: { access: "preset.write" },
      schema: {
        tags,
        summary: issuer.updatePreset.summary,
        description:
          "Only the fields sent change. With `expectedVersion`, a concurrent change is a 409 conflict.",
        params: presetRef,
        body: issuer.updatePreset.request.omit({ id: true }),
        response: { 200: presetSchema },
      },
    },
    (request) => call(request, issuer.updatePreset, { ...request.body, id: request.params.id }),
  );

  app.delete(
    "/presets/:id",
    {
      config: { access: "preset.write" },
      schema: {
        tags,
        summary: issuer.deletePreset.summary,
        params: presetRef,
        response: { 200: issuer.deletePreset.response },
      },
    },
    (request) => call(request, issuer.deletePreset, request.params),
  );
};
