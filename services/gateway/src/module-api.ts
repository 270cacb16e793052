// What a module package (such as @licensing/crm-gateway) builds on: the access every route declares,
// the bus call made as the signed-in operator, and the shape of the plugin the gateway loads.
// Types only, so a module depends on the gateway at compile time and never at run time.
import type { ArtifactStore } from "@licensing/artifacts";
import type { Action, Actor, Endpoint, RequestIn, ResponseOf } from "@licensing/contracts";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

/**
 * Who may call a route: signed-in users holding one action of the role × action table
 * (contracts' permissions.ts); any signed-in user (their own session and password); or anyone.
 */
export type RouteAccess = Action | "signed-in" | "public";

/** The modules a deployment may include; each is a package the gateway loads when it is installed. */
export type ModuleName = "crm";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Every route declares exactly one; a route without it stops the gateway at start. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The signed-in operator, once the session is checked (null for anonymous requests). */
    actor: Actor | null;
  }
}

/** What the gateway hands a module plugin. */
export interface GatewayModuleOptions {
  /**
   * Calls a platform service over the bus on behalf of the request's operator: the request id and
   * the actor travel in the message headers; a service error becomes the HTTP error with its code.
   */
  call<E extends Endpoint>(request: FastifyRequest, endpoint: E, body: RequestIn<E>): Promise<ResponseOf<E>>;
  /** Calls a platform service for the gateway's own work (no operator): background sweeps. */
  callForItself<E extends Endpoint>(endpoint: E, body: RequestIn<E>): Promise<ResponseOf<E>>;
  /** Where release files are uploaded to (ARTIFACT_*); without one, uploads answer 503. */
  artifacts: ArtifactStore | undefined;
  /** An upload unchanged for this long is abandoned: swept if unfinished, or finished but no release's. */
  uploadExpiryMs: number;
  /** The gateway's bus connection and subject prefix: what its replicas share (the upload locks). */
  nc: NatsConnection;
  subjectPrefix: string;
  /** An upload's lock lapses this long after its holder last renewed it (GATEWAY_UPLOAD_LOCK_SECONDS). */
  uploadLockTtlMs: number;
}

/** A module's routes, registered under `/api`; each route declares its `config.access`. */
export type GatewayModulePlugin = FastifyPluginAsyncZod<GatewayModuleOptions>;

/** What a module package exports (as `gatewayModule`). */
export interface GatewayModule {
  name: ModuleName;
  plugin: GatewayModulePlugin;
}
