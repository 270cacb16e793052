import {
  AppError,
  activateRequest,
  activateResponse,
  machineFileResponse,
  machineRef,
  machineSchema,
  offlineActivationRequest,
  offlineActivationResponse,
} from "@licensing/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireUsable } from "../domain/licenses.ts";
import { notActivated } from "../domain/machines.ts";
import { readActivationRequest } from "../domain/offline.ts";
import { countActivation } from "../metrics.ts";
import { licenseOf, type RouteDeps } from "./deps.ts";

/** Activations: activate, deactivate, heartbeat, the machine-bound file, offline activation. */
export const machineRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { requireLicense, machines, signing, now } = deps;
  const common = { config: { auth: "licenseKey" as const }, onRequest: requireLicense };
  const heartbeatTimeoutSeconds = Math.round(machines.heartbeatTimeoutMs / 1000);

  app.post(
    "/v1/machines",
    {
      ...common,
      schema: {
        tags: ["machines"],
        summary: "Activate this machine",
        description:
          "Never more active machines than the license's availableActivations (-1: no limit), also under " +
          "concurrent requests: beyond it, 409 activation_limit_reached. The same fingerprint again is the " +
          "same activation (200, created: false); a new one is 201. Once a machine sends heartbeats, it is " +
          "released when they stop for heartbeatTimeoutSeconds.",
        body: activateRequest,
        response: { 200: activateResponse, 201: activateResponse },
      },
    },
    async (request, reply) => {
      const { activation, created } = await countActivation(() =>
        machines.activate(licenseOf(request), request.body),
      );
      return reply.code(created ? 201 : 200).send({ activation, created, heartbeatTimeoutSeconds });
    },
  );

  app.post(
    "/v1/machines/deactivate",
    {
      ...common,
      schema: {
        tags: ["machines"],
        summary: "Deactivate this machine, freeing its activation",
        description:
          "Works whatever the license's state (suspended, revoked, expired): it only gives a slot back.",
        body: machineRef,
        response: { 200: z.object({ activation: machineSchema }) },
      },
    },
    // No requireUsable: giving a slot back is allowed in every state (docs/distribution.md).
    async (request) => {
      const license = licenseOf(request);
      const activation = await machines.deactivate(
        license.licenseId,
        request.body,
        "deactivated by the machine",
      );
      if (!activation) throw notActivated();
      return { activation };
    },
  );

  app.post(
    "/v1/machines/heartbeat",
    {
      ...common,
      schema: {
        tags: ["machines"],
        summary: "Tell the service this machine still runs",
        description:
          "404 not_found when the machine holds no activation (never activated, deactivated, or released " +
          "after its heartbeats stopped): activate again.",
        body: machineRef,
        response: { 200: z.object({ activation: machineSchema, heartbeatTimeoutSeconds: z.number().int() }) },
      },
    },
    async (request) => ({
      activation: await machines.heartbeat(licenseOf(request), request.body.fingerprint),
      heartbeatTimeoutSeconds,
    }),
  );

  app.post(
    "/v1/machines/file",
    {
      ...common,
      schema: {
        tags: ["machines"],
        summary: "The machine-bound file: the license file and this activation, signed, with an expiry",
        description: "Needs the issuer to sign it: 503 service_unavailable while it is down.",
        body: machineRef,
        response: { 200: machineFileResponse },
      },
    },
    async (request) => {
      const license = licenseOf(request);
      requireUsable(license, now());
      const machine = await machines.seen(license, request.body.fingerprint);
      return machines.machineFile(license, machine, signing);
    },
  );

  app.post(
    "/v1/offline-activations",
    {
      ...common,
      schema: {
        tags: ["machines"],
        summary: "Activate a machine that cannot reach the service, from its signed request file",
        description:
          "The machine makes an `activation-request` document signed with its own Ed25519 key (the client " +
          "does: createOfflineActivationRequest); someone carries it to a connected computer and sends it " +
          "here with the license key. The answer's file goes back to the machine. The activation counts " +
          "against availableActivations and is never released for lack of heartbeats.",
        body: offlineActivationRequest,
        response: { 200: offlineActivationResponse },
      },
    },
    async (request) => {
      const license = licenseOf(request);
      const machineRequest = readActivationRequest(
        request.body.request,
        license.legacyKeyHash ? [license.keyHash, license.legacyKeyHash] : [license.keyHash],
        now(),
      );
      const { activation } = await countActivation(() =>
        machines.activate(license, {
          fingerprint: machineRequest.fingerprint,
          hostname: machineRequest.hostname,
          platform: machineRequest.platform,
          offline: true,
          machinePublicKey: machineRequest.machinePublicKey,
        }),
      );
      if (!activation.offline) throw new AppError("conflict", "The activation changed meanwhile; try again");
      const { file, expiresAt } = await machines.machineFile(license, activation, signing);
      return { activation, file, expiresAt };
    },
  );
};
