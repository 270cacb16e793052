// The two HTTP APIs under generated input, as every role. Requests are derived from the OpenAPI
// documents the gateway and distribution publish: shapes that follow each operation's schemas with
// hostile values in them (fuzz/arbitraries.ts). For every answer: never a 5xx; every error is
// `{ code, message, requestId }` with the request id in X-Request-Id too; and a refused request
// writes nothing (fuzz/fingerprint.ts). The platform runs as `npm start` runs it.
//
// The seed is printed; replay a failure with FUZZ_SEED=<seed> (and FUZZ_RUNS to change the count).
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorCodes, type IssuedLicense } from "@licensing/contracts";
import { devActivationLicense } from "@licensing/gateway/dev-activation";
import { eventStreamName } from "@licensing/platform";
import { type StartedPlatform, startPlatform } from "@licensing/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KnownValues, type Schema, toJsonText, valuesFor } from "./fuzz/arbitraries.ts";
import { type Fingerprint, Ledger, settle, streamedEvents } from "./fuzz/fingerprint.ts";

const runs = Number(process.env.FUZZ_RUNS ?? 5_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const adminPassword = "fuzz-admin-password-0001";
const syncToken = "fuzz-sync-token-00000000000000000001";

/**
 * Operations left out, because a success would end the fuzzing sessions or switch the module off
 * for every later request (they are tested on their own elsewhere).
 */
const skipped = new Set(["POST /api/auth/logout", "DELETE /api/modules/crm/activation"]);

interface Operation {
  api: "gateway" | "distribution";
  method: string;
  path: string;
  pathParams: { name: string; schema: Schema }[];
  query: { name: string; schema: Schema; required: boolean }[];
  body: Schema | undefined;
}

interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
}

function operationsOf(api: Operation["api"], document: OpenApi): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .map(([method, op]) => ({
        api,
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === "path"),
        query: (op.parameters ?? [])
          .filter((p) => p.in === "query")
          .map((p) => ({ name: p.name, schema: p.schema, required: p.required ?? false })),
        body: op.requestBody?.content["application/json"]?.schema,
      }))
      .filter((op) => !skipped.has(`${op.method} ${op.path}`)),
  );
}

/** A signed-in operator over real HTTP: the session cookie and its CSRF token. */
interface Session {
  role: string;
  cookie: string;
  csrf: string;
}

let platform: StartedPlatform;
let ledger: Ledger;
let operations: Operation[];
const sessions: Session[] = [];
const known: KnownValues = { ids: [] };
const licenseKeys: string[] = [];

async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
) {
  // An answer that never comes is a failure too, and names the request, with two exceptions: a body
  // past a route's limit (1 MiB for most, up to 8 MiB) may be refused before it is read, and a URL
  // past Node's header limit (16 KiB) too. The server answers 413 or 431 and closes; fetch, still
  // sending, sees the connection cut (EPIPE, ECONNRESET) and not the answer.
  const response = await fetch(`${base}${path}`, {
    method,
    headers: options.headers ?? {},
    signal: AbortSignal.timeout(30_000),
    ...(options.body === undefined ? {} : { body: options.body }),
  }).catch((error: unknown) => {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const bytes =
      typeof options.body === "string" ? Buffer.byteLength(options.body) : (options.body?.length ?? 0);
    const cut = code === "EPIPE" || code === "ECONNRESET";
    if (cut && bytes > 1024 * 1024) return null;
    if (cut && path.length > 16 * 1024) return { status: 431, cutOff: true };
    // The cause (a reset, a closed socket, a refused connection) tells a dropped answer from a
    // gateway that was not there (npm start restarts a crashed one: its output says so).
    const cause = (error as { cause?: { message?: unknown } }).cause?.message;
    throw new Error(
      `${method} ${path.slice(0, 300)}: no answer (${String(error)}: ${String(cause)} [${String(code)}], ` +
        `${bytes} bytes sent)\n${platform.output().slice(-3_000)}`,
    );
  });
  if (response === null) return { status: 413, headers: new Headers(), text: "", cutOff: true };
  if ("cutOff" in response)
    return { status: response.status, headers: new Headers(), text: "", cutOff: true };
  return { status: response.status, headers: response.headers, text: await response.text(), cutOff: false };
}

async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${platform.uiUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in of ${username}: ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .find((c) => c.startsWith("lic_session="))!
    .split(";")[0]!;
  return { cookie, csrf: ((await response.json()) as { csrfToken: string }).csrfToken };
}

async function asAdmin(method: string, path: string, body?: unknown) {
  const admin = sessions[0]!;
  const answer = await call(platform.uiUrl, method, path, {
    headers: { cookie: admin.cookie, "x-csrf-token": admin.csrf, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text || "null") as Record<string, unknown>;
}

beforeAll(async () => {
  platform = await startPlatform({
    GATEWAY_ADMIN_PASSWORD: adminPassword,
    DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "0",
    DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "0",
    DISTRIBUTION_SYNC_TOKENS: syncToken,
  });
  sessions.push({ role: "superadmin", ...(await signIn("admin", adminPassword)) });
  await asAdmin("PUT", "/api/modules/crm/activation", {
    licenseFile: devActivationLicense({ dataDir: resolve(import.meta.dirname, "../../.data") }),
  });
  // A few of everything, so that ids in generated requests sometimes name something real.
  for (const role of ["license-admin", "sales", "support", "viewer"]) {
    const created = await asAdmin("POST", "/api/users", { username: `fuzz-${role}`, roles: [role] });
    const user = created.user as { id: string };
    known.ids.push(user.id);
    const first = await signIn(`fuzz-${role}`, created.temporaryPassword as string);
    const password = `${role}-password-for-fuzzing`;
    const changed = await call(platform.uiUrl, "POST", "/api/auth/password", {
      headers: { cookie: first.cookie, "x-csrf-token": first.csrf, "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: created.temporaryPassword, newPassword: password }),
    });
    if (changed.status >= 300) throw new Error(`password change: ${changed.text}`);
    sessions.push({ role, ...(await signIn(`fuzz-${role}`, password)) });
  }
  await asAdmin("POST", "/api/products", { code: "collector", name: "Collector", defaults: { seats: 2 } });
  await asAdmin("POST", "/api/products", { code: "cockpit", name: "Cockpit" });
  known.ids.push("collector", "cockpit");
  for (const name of ["Fuzz Corp", "Hostile Inc"]) {
    const account = await asAdmin("POST", "/api/accounts", { type: "customer", name });
    known.ids.push(account.id as string);
    const created = await asAdmin("POST", "/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      kind: "commercial",
      count: 2,
    });
    for (const issued of created.licenses as IssuedLicense[]) {
      known.ids.push(issued.license.id);
      licenseKeys.push(issued.licenseKey);
    }
  }
  const preset = await asAdmin("POST", "/api/presets", {
    name: "Fuzz preset",
    parameters: { products: ["collector"], kind: "test", durationDays: 14 },
  });
  known.ids.push(preset.id as string);

  const gatewayDoc = JSON.parse((await call(platform.uiUrl, "GET", "/api/openapi.json")).text) as OpenApi;
  const distributionDoc = JSON.parse(
    (await call(platform.distributionUrl, "GET", "/v1/openapi.json")).text,
  ) as OpenApi;
  operations = [...operationsOf("gateway", gatewayDoc), ...operationsOf("distribution", distributionDoc)];
  ledger = await Ledger.open(platform.env.databaseUrl);
}, 180_000);

afterAll(async () => {
  await ledger?.close();
  await platform?.stop();
});

/** The requests of one operation: as whom, with which path, query and body. */
function requestsFor(op: Operation) {
  const pathValues = fc.tuple(
    ...op.pathParams.map((p) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...known.ids) },
        { weight: 2, arbitrary: valuesFor(p.schema, known) },
      ),
    ),
  );
  const query = fc.tuple(
    ...op.query.map((q) =>
      q.required
        ? valuesFor(q.schema, known).map((v) => [q.name, v] as const)
        : fc.option(
            valuesFor(q.schema, known).map((v) => [q.name, v] as const),
            { nil: undefined },
          ),
    ),
    fc.option(fc.constantFrom(["unknownParam", "1"] as const, ["text", "\u0000"] as const), {
      nil: undefined,
      freq: 8,
    }),
  );
  const body = op.body
    ? fc.oneof(
        { weight: 12, arbitrary: valuesFor(op.body, known).map((v) => ({ json: v })) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            { raw: "{not json" },
            { raw: "" },
            { raw: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
            { raw: "[]" },
            { raw: "null" },
          ),
        },
      )
    : fc.constant(undefined);
  // Each role twice as often as nobody: -1 is a request without a session.
  const who = fc.oneof(
    { weight: 1, arbitrary: fc.constant(-1) },
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 4 }) },
  );
  const credential = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...licenseKeys) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "LK-00000-00000-00000-00000-00000-00000",
        "garbage",
        `Bearer ${syncToken}`,
      ),
    },
  );
  return fc.record({
    op: fc.constant(op),
    pathValues,
    query,
    body,
    who,
    credential,
    csrf: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.boolean() }),
  });
}

/**
 * Every request: three in ten to the products' API, which has fewer operations than the gateway's.
 * Built once (building an operation's arbitraries compiles its patterns).
 */
function allRequests() {
  const of = (api: Operation["api"]) =>
    fc.oneof(...operations.filter((op) => op.api === api).map((op) => requestsFor(op)));
  return fc.oneof({ weight: 3, arbitrary: of("distribution") }, { weight: 7, arbitrary: of("gateway") });
}

const trace = (line: string) => {
  if (process.env.FUZZ_TRACE) appendFileSync(process.env.FUZZ_TRACE, `${new Date().toISOString()} ${line}\n`);
};

/** Percent-encodes any text, lone surrogates included (as the bytes a careless client would send). */
function encode(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%${[0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => b.toString(16).toUpperCase()).join("%")}`;
    else out += encodeURIComponent(char);
  }
  return out;
}

describe("the HTTP APIs under generated input", () => {
  it(`answer ${runs} generated requests, as every role, with no 5xx, typed errors and no half-writes`, async () => {
    console.log(
      `api fuzz: seed ${seed}, ${runs} requests over ${operations.length} operations (FUZZ_SEED=${seed} replays)`,
    );
    const stream = eventStreamName(platform.env.prefix);
    // What the setup set going is published: the event accounting starts here.
    await settle(ledger, platform.env.nc, stream);
    await ledger.startCounting();
    const streamedBefore = await streamedEvents(platform.env.nc, stream);
    // The check sees a write: an account created now shows in the fingerprint.
    const blank = await ledger.fingerprint();
    await asAdmin("POST", "/api/accounts", { type: "prospect", name: "Ledger check" });
    await settle(ledger, platform.env.nc, stream);
    expect(Ledger.changed(blank, await ledger.fingerprint())).toContain("catalog.accounts");

    let before: Fingerprint | undefined;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(allRequests(), async (request) => {
        const { op } = request;
        let path = op.path;
        op.pathParams.forEach((p, i) => {
          path = path.replace(`{${p.name}}`, encode(request.pathValues[i]));
        });
        const query = request.query
          .filter((q): q is readonly [string, unknown] => q !== undefined)
          .map(([name, value]) => `${encode(name)}=${encode(value)}`);
        if (query.length > 0) path += `?${query.join("&")}`;
        const headers: Record<string, string> = {};
        let body: string | Uint8Array | undefined;
        if (request.body) {
          headers["content-type"] = "application/json";
          body = "json" in request.body ? toJsonText(request.body.json) : request.body.raw;
        }
        let base = platform.uiUrl;
        if (op.api === "distribution") {
          base = platform.distributionUrl;
          headers.authorization = request.credential.startsWith("Bearer ")
            ? request.credential
            : `License ${request.credential}`;
        } else if (request.who >= 0) {
          const session = sessions[request.who]!;
          headers.cookie = session.cookie;
          if (request.csrf) headers["x-csrf-token"] = session.csrf;
        }
        if (!before) {
          trace("settle");
          await settle(ledger, platform.env.nc, stream);
          trace("fingerprint");
          before = await ledger.fingerprint();
        }
        trace(`${op.method} ${path.slice(0, 200)}`);
        const answer = await call(base, op.method, path, {
          headers,
          ...(body === undefined ? {} : { body }),
        });
        trace(`-> ${answer.status}`);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const what = `${op.method} ${path.slice(0, 300)} as ${request.who >= 0 ? sessions[request.who]!.role : "anonymous"}: ${answer.status} ${answer.text.slice(0, 500)}`;
        if (answer.cutOff) {
          const after = await ledger.fingerprint();
          expect(
            Ledger.changed(before, after),
            `a request cut off past its body limit wrote: ${what}`,
          ).toEqual([]);
          return;
        }
        expect(answer.status, what).toBeLessThan(500);
        if (answer.status >= 400) {
          const error = JSON.parse(answer.text) as { code: unknown; message: unknown; requestId: unknown };
          expect(errorCodes, what).toContain(error.code);
          expect(typeof error.message === "string" && error.message.length > 0, what).toBe(true);
          expect(error.requestId, what).toBe(answer.headers.get("x-request-id"));
          const after = await ledger.fingerprint();
          expect(Ledger.changed(before, after), `a refused request wrote: ${what}`).toEqual([]);
        } else before = undefined; // it may have written: take a new fingerprint before the next one
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    console.log(`api fuzz: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

    // Every committed event reaches the stream, once; the stream holds nothing else.
    await expect.poll(async () => (await ledger.outboxRows()).unpublished, { timeout: 30_000 }).toBe(0);
    const { total } = await ledger.outboxRows();
    expect(await streamedEvents(platform.env.nc, stream)).toBe(streamedBefore + total);
  }, 600_000);
});
