// Gateway: the licenses table's API through the gateway (real HTTP, a signed-in session, the
// gateway, catalog and issuer each their own process) with a million licenses seeded as the issuer
// benchmark seeds them; the whole set streamed as CSV (rate and the gateway's peak memory); and the
// UI's initial JavaScript against its budget.
//
//   npm run bench gateway           BENCH_LICENSES=200000 npm run bench gateway   (a smaller seed)
//   BENCH_EXPORT=0 npm run bench gateway                                          (no full export)
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BusClient } from "@licensing/bus";
import { issuer, type ListLicensesRequest } from "@licensing/contracts";
import { devActivationLicense } from "@licensing/gateway/dev-activation";
import { ensureDevVendorKey } from "@licensing/gateway/dev-vendor-key";
import { measureInitialJs } from "@licensing/ui/bundle-size";
import { build } from "vite";
import { benchEnv, fixed, freePort, load, seedLicenses } from "./support.ts";

const root = resolve(import.meta.dirname, "..");
const seedSize = Number(process.env.BENCH_LICENSES ?? 1_000_000);
const fullExport = process.env.BENCH_EXPORT !== "0";
const admin = { username: "bench", password: "bench-password-1234" };

const env = await benchEnv();
const keyDir = mkdtempSync(join(tmpdir(), "bench-vendor-"));
let gateway: ChildProcess | undefined;
try {
  await env.startService("catalog");
  await env.startService("issuer", {
    ISSUER_KEK: randomBytes(32).toString("base64"),
    DATABASE_POOL_SIZE: "20",
  });
  const vendorKey = ensureDevVendorKey(keyDir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  gateway = spawn(process.execPath, [resolve(root, "services/gateway/src/main.ts")], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      NATS_URL: env.infra.natsUrl,
      SUBJECT_PREFIX: env.prefix,
      LOG_LEVEL: "warn",
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_ADMIN_USERNAME: admin.username,
      GATEWAY_ADMIN_PASSWORD: admin.password,
      GATEWAY_VENDOR_PUBLIC_KEYS: JSON.stringify([
        { keyId: vendorKey.keyId, publicKey: Buffer.from(vendorKey.publicKey).toString("base64") },
      ]),
      GATEWAY_COOKIE_SECURE: "false",
      GATEWAY_REQUIRED_SERVICES: "catalog,issuer",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitUntilReady(`${base}/readyz`, gateway);

  const http = await signIn(base);
  await http.send("PUT", "/api/modules/crm/activation", {
    licenseFile: devActivationLicense({ dataDir: keyDir }),
  });
  for (const code of ["collector", "cockpit", "studio"])
    await http.send("POST", "/api/products", { code, name: code });
  const account = (await http.send("POST", "/api/accounts", { type: "customer", name: "Bench Corp" })) as {
    id: string;
  };
  await seedLicenses(env.databaseUrl, account.id, seedSize);

  // Each typical table request, through the gateway and (for comparison) straight to the issuer.
  const bus = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 30_000 });
  const ctx = {
    requestId: "req_bench",
    actor: { id: "usr_bench", username: "bench", roles: ["superadmin" as const] },
  };
  const list = (request: ListLicensesRequest) =>
    bus.request(issuer.listLicenses, { limit: 50, ...request }, { ctx });
  const now = new Date();
  const requests: [string, ListLicensesRequest][] = [
    ["first page (newest first)", {}],
    ["page 2 (cursor)", { cursor: (await list({})).nextCursor! }],
    ["filter: status expiring", { status: ["expiring"] }],
    ["filter: product + kind", { product: "cockpit", kind: "test" }],
    ["filter: one account", { accountId: account.id }],
    [
      "filter: ending in 90 days",
      {
        status: ["active", "expiring"],
        endFrom: now.toISOString(),
        endTo: new Date(now.getTime() + 90 * 86_400_000).toISOString(),
        sort: "endDate",
        order: "asc",
      },
    ],
    ["filter: created this week", { createdFrom: new Date(now.getTime() - 7 * 86_400_000).toISOString() }],
    ["search: account name", { text: "initech" }],
    ["sort: ending soonest", { sort: "endDate", order: "asc" }],
    ["sort: account name", { sort: "accountName", order: "asc" }],
  ];
  const byName = { sort: "accountName", order: "asc" } as const;
  requests.push(["sort + page 2", { ...byName, cursor: (await list(byName)).nextCursor! }]);
  const queryString = (request: ListLicensesRequest) =>
    new URLSearchParams(
      Object.entries({ limit: 50, ...request }).map(([k, v]): [string, string] => [
        k,
        Array.isArray(v) ? v.join(",") : String(v),
      ]),
    ).toString();

  await load(100, 4, () => http.send("GET", "/api/licenses?limit=50")); // warm-up
  const rows: Record<string, string>[] = [];
  let worst = 0;
  for (const [name, request] of requests) {
    const path = `/api/licenses?${queryString(request)}`;
    const viaGateway = await load(200, 4, () => http.send("GET", path));
    const direct = await load(200, 4, () => list(request));
    worst = Math.max(worst, viaGateway.p95);
    rows.push({
      "GET /api/licenses": name,
      "gateway p50 ms": fixed(viaGateway.p50, 2),
      "gateway p95 ms": fixed(viaGateway.p95, 2),
      "issuer over NATS p95 ms": fixed(direct.p95, 2),
    });
  }
  console.log(
    `\nThe licenses table's API through the gateway, HTTP with a session, ${seedSize.toLocaleString("en")} licenses, 4 at a time (target p95 ≤ 100 ms)`,
  );
  console.table(rows);
  console.log(`worst p95: ${fixed(worst, 2)} ms — ${worst <= 100 ? "within" : "OVER"} the 100 ms target`);

  if (fullExport) {
    const started = performance.now();
    const exported = await http.download("/api/licenses/export.csv");
    const seconds = (performance.now() - started) / 1000;
    console.log(`\nCSV export of every license, streamed`);
    console.table([
      {
        rows: exported.lines - 1,
        "MB sent": fixed(exported.bytes / 1e6, 1),
        seconds: fixed(seconds, 1),
        "rows/s": fixed((exported.lines - 1) / seconds, 0),
        "gateway peak RSS MB": fixed(peakRssMb(gateway.pid!), 0),
      },
    ]);
  }

  const outDir = mkdtempSync(join(tmpdir(), "bench-ui-"));
  await build({
    root: resolve(root, "ui"),
    configFile: resolve(root, "ui/vite.config.ts"),
    logLevel: "silent",
    build: { outDir },
  });
  const initial = measureInitialJs(outDir);
  rmSync(outDir, { recursive: true, force: true });
  console.log("\nThe UI's initial JavaScript (entry + modulepreloads), gzip");
  console.table([
    { "initial JS KB gzip": fixed(initial.gzip / 1024, 1), "budget KB": 300, files: initial.files.length },
  ]);
} finally {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((done) => gateway!.once("exit", done));
    gateway.kill("SIGTERM");
    await exited;
  }
  rmSync(keyDir, { recursive: true, force: true });
  await env.stop();
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("the gateway did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A signed-in client: the session cookie on every request, the CSRF token on changes. */
async function signIn(base: string) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(admin),
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers
    .getSetCookie()
    .find((c) => c.startsWith("lic_session="))!
    .split(";")[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return {
    async send(method: string, path: string, body?: unknown): Promise<unknown> {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          cookie,
          ...(method === "GET" ? {} : { "X-CSRF-Token": csrfToken }),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    /** Reads a download as it streams, counting bytes and lines, keeping none of it. */
    async download(path: string): Promise<{ bytes: number; lines: number }> {
      const response = await fetch(`${base}${path}`, { headers: { cookie } });
      if (!response.ok || !response.body) throw new Error(`GET ${path}: ${response.status}`);
      let bytes = 0;
      let lines = 0;
      for await (const chunk of response.body) {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) lines++;
      }
      return { bytes, lines };
    },
  };
}

/** The highest resident memory of a process so far (Linux). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
