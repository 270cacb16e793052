import type { AddressInfo } from "node:net";
import fastifyCookie from "@fastify/cookie";
import type { ArtifactStore } from "@licensing/artifacts";
import { BusClient } from "@licensing/bus";
import type { PublicKeyEntry } from "@licensing/model";
import { auditChainWorker, type Logger, type Orm, openDatabase } from "@licensing/platform";
import {
  apiContentSecurityPolicy,
  httpServerOptions,
  installHttpEdge,
  pageContentSecurityPolicy,
} from "@licensing/platform/http";
import type { NatsConnection } from "@nats-io/transport-node";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { gatewayDatabase } from "./database.ts";
import { ModuleActivations } from "./domain/module-activations.ts";
import { Roles } from "./domain/roles.ts";
import { Sessions } from "./domain/sessions.ts";
import { defaultSignInPolicy, type SignInPolicy, SignInThrottle } from "./domain/sign-in-throttle.ts";
import { Users } from "./domain/users.ts";
import { installAccessControl, type RegisteredRoute } from "./http/access.ts";
import { createLoginLimiter } from "./http/login-limits.ts";
import { registerOpenApi } from "./http/openapi.ts";
import { registerUi } from "./http/static-ui.ts";
import type { GatewayModuleOptions } from "./module-api.ts";
import { crmModuleSpecifier, loadModule, registerModule } from "./modules.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { healthRoutes } from "./routes/health.ts";
import { moduleRoutes } from "./routes/modules.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { roleRoutes } from "./routes/roles.ts";
import { signingKeyRoutes } from "./routes/signing-keys.ts";
import { userRoutes } from "./routes/users.ts";
import { viewRoutes } from "./routes/views.ts";
import type { Modules } from "./schemas.ts";

/** Opens the gateway's schema (migrated) on the database at `url`. */
export function openGatewayDatabase(url: string, log: Logger, poolSize?: number): Promise<Orm> {
  return openDatabase({ ...gatewayDatabase, url, log, ...(poolSize ? { poolSize } : {}) });
}

export interface GatewayDeps {
  nc: NatsConnection;
  orm: Orm;
  /** Deployment subject prefix, e.g. `lic`. */
  prefix: string;
  log: Logger;
  /** The first superadmin, created when there is no user at all. */
  admin: { username: string; password?: string | undefined };
  /** Vendor keys trusted to sign module activation licenses. */
  vendorKeys: readonly PublicKeyEntry[];
  /** Where to listen; without it the gateway opens no port (tests use `app.inject`). */
  listen?: { port: number; host: string };
  /** After SIGTERM, how long it stays up but unready before it closes its port (SHUTDOWN_DELAY_SECONDS). */
  shutdownDelayMs?: number;
  /** GATEWAY_PUBLIC_URL: named as the server in the OpenAPI document (else the docs use their own origin). */
  publicUrl?: string | undefined;
  cookieSecure?: boolean;
  trustProxy?: boolean;
  requiredServices?: readonly string[];
  uiDir?: string;
  session?: { idleMs: number; maxAgeMs: number };
  /** The sign-in throttle's numbers (tests use small ones). */
  loginLimits?: SignInPolicy;
  /** The CRM module's package; a test names one that is not installed to play a build without CRM. */
  crmModule?: string;
  /** The clock (tests move it to expire sessions and licenses). */
  now?: () => Date;
  /** Where release files are uploaded to (ARTIFACT_*); without one, uploads answer 503. */
  artifacts?: ArtifactStore;
  /** An upload unchanged for this long is abandoned and swept (ARTIFACT_UPLOAD_EXPIRY_SECONDS; a day). */
  uploadExpiryMs?: number;
  /** An upload's lock lapses this long after its holder last renewed it (GATEWAY_UPLOAD_LOCK_SECONDS). */
  uploadLockTtlMs?: number;
}

/** What the gateway's start did that its launcher must know. */
export interface GatewayStarted {
  /** Where it listens, for programs (`GATEWAY_PORT=0` picks a free port) and for people. */
  listening?: string;
  url?: string;
  /** The first superadmin, when this start created it with a generated password. */
  firstSuperadmin?: { username: string; temporaryPassword: string };
}

export interface GatewayService {
  /** The Fastify app, for `inject`. Ready once `start()` has resolved. */
  app: FastifyInstance;
  /** Every route the app registered, with the access it declared. */
  routes(): RegisteredRoute[];
  /** Creates the first superadmin if needed, loads the modules, and listens when asked to. */
  start(): Promise<GatewayStarted>;
  stop(): Promise<void>;
}

const hour = 3_600_000;

/**
 * The gateway: the HTTP API behind the UI. It authenticates operators (server-side sessions in its
 * own schema), checks every route against the role × action table, and calls the platform's
 * services over NATS as the operator.
 */
/** The console text that tells the operator the first superadmin's generated password, once. */
export function firstSuperadminNotice(admin: { username: string; temporaryPassword: string }): string {
  return (
    `FIRST SUPERADMIN CREATED: sign in as "${admin.username}" with the password ` +
    `"${admin.temporaryPassword}" (shown this once; you will be asked to change it)`
  );
}

export function createGatewayService(deps: GatewayDeps): GatewayService {
  const { nc, orm, prefix, log } = deps;
  const now = deps.now ?? (() => new Date());
  const roles = new Roles(orm);
  const users = new Users(orm, now, roles);
  const sessions = new Sessions(
    orm,
    deps.session ?? { idleMs: 12 * hour, maxAgeMs: 7 * 24 * hour },
    now,
    roles,
  );
  const moduleActivations = new ModuleActivations(orm, deps.vendorKeys, now, log);
  const throttle = new SignInThrottle(orm, deps.loginLimits ?? defaultSignInPolicy, now);
  const limiter = createLoginLimiter(throttle, now);
  const bus = new BusClient(nc, { prefix });
  const modules = async (): Promise<Modules> => ({ crm: await moduleActivations.status("crm") });
  const call: GatewayModuleOptions["call"] = (request, endpoint, body) =>
    bus.request(endpoint, body, {
      ctx: { requestId: request.id, ...(request.actor ? { actor: request.actor } : {}) },
    });
  const callForItself: GatewayModuleOptions["callForItself"] = (endpoint, body) =>
    bus.request(endpoint, body);

  const app = Fastify(
    httpServerOptions({
      log: log as FastifyBaseLogger,
      trustProxy: deps.trustProxy ?? false,
      bodyLimit: 1024 * 1024,
    }),
  ).withTypeProvider<ZodTypeProvider>();
  const cookieSecure = deps.cookieSecure ?? true;
  const drain = installHttpEdge(app, {
    who: "gateway",
    // The UI's own 404 (the SPA fallback) is set beside the UI (http/static-ui.ts).
    notFoundHandler: false,
    contentSecurityPolicy: (request) =>
      isApi(request.url) ? apiContentSecurityPolicy : pageContentSecurityPolicy,
    // Secure cookies mean the gateway is reached over https (a browser ignores HSTS over http).
    strictTransportSecurity: () => cookieSecure,
  });
  // Cookies are parsed before the access check reads the session cookie.
  app.register(fastifyCookie);
  let routes: () => RegisteredRoute[] = () => [];

  app.addHook("onSend", async (request, reply) => {
    if (isApi(request.url)) reply.header("Cache-Control", "no-store");
  });
  app.addHook("onResponse", async (request, reply) => {
    const line = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      user: request.actor?.username,
    };
    // Failures were logged with their cause by the error handler; this is the access log.
    if (/^\/(healthz|readyz)\b/.test(request.url)) request.log.debug(line, "probe");
    else request.log.info(line, "request");
  });

  app.register(async (root) => {
    routes = installAccessControl(root, sessions);
    await registerOpenApi(root, deps.publicUrl);
    await root.register(healthRoutes, {
      nc,
      orm,
      drain,
      subjectPrefix: prefix,
      requiredServices: deps.requiredServices ?? ["catalog"],
    });
    await root.register(authRoutes, {
      users,
      roles,
      sessions,
      limiter,
      modules,
      cookieSecure,
    });
    await root.register(userRoutes, { users });
    await root.register(roleRoutes, { roles });
    await root.register(moduleRoutes, { moduleActivations, modules });
    await root.register(notificationRoutes, { call });
    await root.register(signingKeyRoutes, { call });
    await root.register(auditRoutes, { call, orm });
    await root.register(viewRoutes, { orm });
    const crm = await loadModule(deps.crmModule ?? crmModuleSpecifier);
    if (crm)
      await registerModule(root, crm, moduleActivations, {
        call,
        callForItself,
        artifacts: deps.artifacts,
        uploadExpiryMs: deps.uploadExpiryMs ?? 24 * hour,
        nc,
        subjectPrefix: prefix,
        uploadLockTtlMs: deps.uploadLockTtlMs ?? 30_000,
      });
    else log.info("The CRM module is not installed in this deployment: no CRM routes");
    await registerUi(root, deps.uiDir, log);
  });

  let sweeper: NodeJS.Timeout | undefined;
  const auditChain = auditChainWorker({ orm, service: "gateway", log });
  return {
    app,
    routes: () => routes(),
    async start() {
      const started: GatewayStarted = {};
      const created = await users.ensureFirstSuperadmin(deps.admin.username, deps.admin.password);
      if (created?.generatedPassword) {
        started.firstSuperadmin = {
          username: created.username,
          temporaryPassword: created.generatedPassword,
        };
        // The password goes to the console once (main.ts, or npm start's summary), never into a
        // log line: logs are shipped, kept and read by more people than the first operator.
        log.warn(
          { username: created.username },
          "first superadmin created with a generated password, printed on the console only",
        );
      } else if (created) {
        log.info({ username: created.username }, "first superadmin created with GATEWAY_ADMIN_PASSWORD");
      }
      await app.ready();
      if (deps.listen) {
        await app.listen({ port: deps.listen.port, host: deps.listen.host });
        const { port } = app.server.address() as AddressInfo;
        const { listening, url } = addressesOf(deps.listen.host, port, deps.publicUrl);
        Object.assign(started, { listening, url });
        log.info({ listening, url }, `gateway listening on ${url}`);
      }
      sweeper = setInterval(() => {
        sessions.sweep().catch((error: unknown) => log.warn({ err: error }, "session sweep failed"));
        limiter.sweep().catch((error: unknown) => log.warn({ err: error }, "sign-in counter sweep failed"));
      }, hour);
      sweeper.unref();
      auditChain.start();
      return started;
    },
    /** Drains HTTP (platform http/drain.ts); the caller then drains NATS. */
    async stop() {
      clearInterval(sweeper);
      await drain.close(app, deps.shutdownDelayMs ?? 0);
      await auditChain.stop();
      log.info("gateway stopped");
    },
  };
}

/** The JSON answers: the API (not its documentation pages, which are pages like the UI's) and the probes. */
function isApi(url: string): boolean {
  return (
    (url.startsWith("/api/") && !url.startsWith("/api/docs")) || /^\/(healthz|readyz)(\/|\?|$)/.test(url)
  );
}

/**
 * Where the gateway answers: `listening` for programs (a loopback address when listening on all
 * interfaces), `url` for people: GATEWAY_PUBLIC_URL, else `localhost`, which browsers treat as a secure
 * context, so the Secure session cookie works over plain http there.
 */
function addressesOf(host: string, port: number, publicUrl: string | undefined) {
  const wildcard: Record<string, string> = { "0.0.0.0": "127.0.0.1", "::": "[::1]" };
  const reachable = wildcard[host] ?? (host.includes(":") ? `[${host}]` : host);
  const loopback = ["127.0.0.1", "[::1]", "localhost"].includes(reachable);
  return {
    listening: `http://${reachable}:${port}`,
    url: publicUrl ?? `http://${loopback ? "localhost" : reachable}:${port}`,
  };
}
