import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { containerServices, httpServices } from "../container-services.ts";
import { platformServices } from "../services.ts";

const root = resolve(import.meta.dirname, "../..");
const dockerfile = readFileSync(resolve(root, "deploy/Dockerfile"), "utf8");

describe("the container image", () => {
  it("runs every service npm start runs, but the development mail catcher", () => {
    expect(containerServices.map((s) => s.name)).toEqual(
      platformServices.map((s) => s.name).filter((name) => name !== "mailcatcher"),
    );
    for (const service of containerServices) expect(existsSync(resolve(root, service.entry))).toBe(true);
  });

  it("chooses the service by argument, as a non-root user, with a health check", () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "deploy\/container-entry\.ts"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile.match(/^FROM node:24-slim/gm)).toHaveLength(2);
  });

  it("gives the migration service its exports' mount point, owned by the non-root user", () => {
    expect(dockerfile).toMatch(/^ENV .*\bMIGRATION_ROOT=\/data\/migration$/m);
    const mountPoint = dockerfile.search(
      /^RUN mkdir -p \/data\/migration && chown node:node \/data\/migration$/m,
    );
    expect(mountPoint).toBeGreaterThan(0);
    expect(mountPoint).toBeLessThan(dockerfile.search(/^USER node$/m));
  });

  it("leaves the KEKs and the legacy exports out of the build context", () => {
    const ignored = readFileSync(resolve(root, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toContain("deploy/compose/secrets");
    expect(ignored).toContain("deploy/compose/migration-exports");
  });

  it("probes the HTTP services over HTTP", () => {
    expect(Object.keys(httpServices).sort()).toEqual(["distribution", "gateway"]);
  });

  it("reads a secret's _FILE variable, and no other program's", () => {
    const run = spawnSync(process.execPath, [resolve(root, "deploy/container-entry.ts"), "catalog"], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL_FILE: "/nonexistent/database-url",
        TF_CLI_CONFIG_FILE: "/nonexistent/x",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/DATABASE_URL_FILE="\/nonexistent\/database-url" cannot be read \(ENOENT\)/);
    expect(run.stderr).not.toMatch(/TF_CLI_CONFIG_FILE/);
  });

  it("names the services it runs when given none", () => {
    const run = spawnSync(process.execPath, [resolve(root, "deploy/container-entry.ts")], {
      encoding: "utf8",
    });
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/one of: catalog, issuer, distribution, notifier, migration, gateway/);
  });
});
