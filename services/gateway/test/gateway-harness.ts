// A gateway on this test file's own database and subject prefix, with (when asked) a real catalog
// and issuer beside it, a clock the test can move, a throw-away vendor key to sign activation licenses,
// and a small "browser" over `app.inject` that keeps the session cookie and the CSRF token.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCatalogService, openCatalogDatabase } from "@licensing/catalog";
import { createIssuerService, openIssuerDatabase } from "@licensing/issuer";
import { ensureEventStream, type Orm, type RunningService } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import type { FastifyInstance, InjectOptions } from "fastify";
import { devActivationLicense } from "../scripts/dev-activation.ts";
import { ensureDevVendorKey } from "../scripts/dev-vendor-key.ts";
import type { SignInPolicy } from "../src/domain/sign-in-throttle.ts";
import {
  createGatewayService,
  type GatewayDeps,
  type GatewayService,
  openGatewayDatabase,
} from "../src/service.ts";

export const adminCredentials = { username: "admin", password: "admin-password-for-tests" };
const hour = 3_600_000;

export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

export interface GatewayUnderTest {
  env: TestEnv;
  app: FastifyInstance;
  service: GatewayService;
  orm: Orm;
  /** The catalog's database, when a catalog runs. */
  catalogOrm: Orm | undefined;
  /** The issuer's database, when an issuer runs. */
  issuerOrm: Orm | undefined;
  clock: TestClock;
  /** An activation license signed by the vendor key this gateway trusts. */
  activationLicense(options?: { features?: string[]; days?: number; now?: Date }): string;
  /** A browser signed in as the first superadmin. */
  admin: Browser;
  /**
   * A browser signed in as a new user holding `roles`, built-in or custom (defined first), with the
   * password already changed.
   */
  userWith(roles: string[], username?: string): Promise<Browser>;
  /** Another gateway on the same database and bus (a second replica, or a restart). */
  startAnother(overrides?: Partial<GatewayDeps>): Promise<GatewayService>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Start a catalog service (for CRM routes end to end and /readyz). */
  catalog?: boolean;
  /** Start an issuer service too (and the catalog it needs), for the license routes end to end. */
  issuer?: boolean;
  /** Activate the CRM module at start. */
  activateCrm?: boolean;
  loginLimits?: SignInPolicy;
  overrides?: Partial<GatewayDeps>;
}

export async function startGateway(options: HarnessOptions = {}): Promise<GatewayUnderTest> {
  const env = await createTestEnv();
  const stops: (() => Promise<void>)[] = [];
  let catalogOrm: Orm | undefined;
  if (options.catalog || options.issuer) {
    await ensureEventStream(env.nc, env.prefix);
    catalogOrm = await openCatalogDatabase(env.databaseUrl, env.log);
    const catalog: RunningService = createCatalogService({
      nc: await env.connect("catalog"),
      orm: catalogOrm,
      prefix: env.prefix,
      log: env.log,
    });
    await catalog.start();
    const orm = catalogOrm;
    stops.push(async () => {
      await catalog.stop();
      await orm.close();
    });
  }
  let issuerOrm: Orm | undefined;
  if (options.issuer) {
    issuerOrm = await openIssuerDatabase(env.databaseUrl, env.log);
    const ownOrm = issuerOrm;
    const issuer = createIssuerService({
      nc: await env.connect("issuer"),
      orm: ownOrm,
      prefix: env.prefix,
      log: env.log,
      kek: randomBytes(32),
      defaultNotifyDays: 30,
      // The tests count the presets they create (the issuer's own tests cover the built-in ones).
      builtinPresets: false,
    });
    await issuer.start();
    // Stopped before the catalog it asks for accounts.
    stops.unshift(async () => {
      await issuer.stop();
      await ownOrm.close();
    });
  }

  const keyDir = mkdtempSync(join(tmpdir(), "gateway-vendor-"));
  const vendorKey = ensureDevVendorKey(keyDir);
  let current = Date.now();
  const clock: TestClock = {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };

  const orm = await openGatewayDatabase(env.databaseUrl, env.log);
  const depsFor = async (overrides: Partial<GatewayDeps> = {}): Promise<GatewayDeps> => ({
    nc: await env.connect("gateway"),
    orm,
    prefix: env.prefix,
    log: env.log,
    admin: adminCredentials,
    vendorKeys: [{ keyId: vendorKey.keyId, publicKey: vendorKey.publicKey }],
    session: { idleMs: 12 * hour, maxAgeMs: 7 * 24 * hour },
    now: clock.now,
    ...(options.loginLimits ? { loginLimits: options.loginLimits } : {}),
    ...options.overrides,
    ...overrides,
  });
  const services: GatewayService[] = [];
  const startAnother = async (overrides?: Partial<GatewayDeps>) => {
    const service = createGatewayService(await depsFor(overrides));
    await service.start();
    services.push(service);
    return service;
  };
  const service = await startAnother();
  const app = service.app;
  const admin = new Browser(app);
  await admin.signIn(adminCredentials.username, adminCredentials.password);
  const activationLicense = (o: { features?: string[]; days?: number; now?: Date } = {}) =>
    devActivationLicense({ dataDir: keyDir, now: clock.now(), ...o });
  if (options.activateCrm) {
    const response = await admin.put("/api/modules/crm/activation", { licenseFile: activationLicense() });
    if (response.statusCode !== 200) throw new Error(`activation failed: ${response.body}`);
  }

  let users = 0;
  return {
    env,
    app,
    service,
    orm,
    catalogOrm,
    issuerOrm,
    clock,
    activationLicense,
    admin,
    async userWith(roles, username = `user${++users}-${roles.join("-")}`) {
      const created = await admin.post("/api/users", { username, roles });
      if (created.statusCode !== 201) throw new Error(`cannot create ${username}: ${created.body}`);
      const temporary = created.json<{ temporaryPassword: string }>().temporaryPassword;
      const browser = new Browser(app);
      await browser.signIn(username, temporary);
      const password = `${username}-own-password`;
      const changed = await browser.post("/api/auth/password", {
        currentPassword: temporary,
        newPassword: password,
      });
      if (changed.statusCode !== 204) throw new Error(`cannot change password: ${changed.body}`);
      browser.password = password;
      return browser;
    },
    startAnother,
    async stop() {
      for (const s of services.reverse()) await s.stop();
      await orm.close();
      for (const stop of stops) await stop();
      rmSync(keyDir, { recursive: true, force: true });
      await env.stop();
    },
  };
}

type Response = Awaited<ReturnType<FastifyInstance["inject"]>>;

/** What a browser does: keeps the session cookie, sends the CSRF token on state-changing requests. */
export class Browser {
  readonly app: FastifyInstance;
  /** The client address the gateway sees (127.0.0.1 unless given). */
  readonly address: string | undefined;
  session: string | undefined;
  csrfToken: string | undefined;
  username: string | undefined;
  password: string | undefined;

  constructor(app: FastifyInstance, options: { address?: string } = {}) {
    this.app = app;
    this.address = options.address;
  }

  async signIn(username: string, password: string): Promise<Response> {
    const response = await this.post("/api/auth/login", { username, password });
    if (response.statusCode === 200) {
      this.csrfToken = response.json<{ csrfToken: string }>().csrfToken;
      this.username = username;
      this.password = password;
    }
    return response;
  }

  async request(
    method: InjectOptions["method"],
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const safe = method === "GET" || method === "HEAD";
    const response = await this.app.inject({
      method,
      url,
      ...(this.address ? { remoteAddress: this.address } : {}),
      headers: {
        ...(this.session ? { cookie: `lic_session=${this.session}` } : {}),
        ...(!safe && this.csrfToken ? { "x-csrf-token": this.csrfToken } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: body as InjectOptions["payload"] }),
    });
    const cookie = response.cookies.find((c) => c.name === "lic_session");
    if (cookie) this.session = cookie.value && cookie.maxAge !== 0 ? cookie.value : undefined;
    return response;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request("GET", url, undefined, headers);
  }
  post(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request("POST", url, body, headers);
  }
  put(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request("PUT", url, body, headers);
  }
  patch(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request("PATCH", url, body, headers);
  }
  delete(url: string, headers?: Record<string, string>) {
    return this.request("DELETE", url, undefined, headers);
  }
}

/** The error body every failure has. */
export interface ErrorResponse {
  code: string;
  message: string;
  requestId: string;
  details?: { issues?: { path: string; message: string }[]; [key: string]: unknown };
}
