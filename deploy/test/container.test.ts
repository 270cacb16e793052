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

  it("probes the HTTP services over HTTP", () => {
    expect(Object.keys(httpServices).sort()).toEqual(["distribution", "gateway"]);
  });
});
