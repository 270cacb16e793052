import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@licensing/platform";
import { describe, expect, it } from "vitest";
import { devVendorPublicKeys } from "../scripts/dev-vendor-key.ts";
import { loadGatewayConfig } from "../src/config.ts";
import {
  generatePassword,
  hashPassword,
  needsRehash,
  passwordProblems,
  verifyPassword,
} from "../src/domain/passwords.ts";

describe("password hashing", () => {
  it("stores argon2id with OWASP's parameters as a PHC string, salted per hash", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", a)).toBe(false);
    expect(await verifyPassword("anything", "not a hash")).toBe(false);
    expect(needsRehash(a)).toBe(false);
    expect(needsRehash(a.replace("m=19456,t=2", "m=4096,t=1"))).toBe(true);
  });

  it("generates readable temporary passwords that pass the rules", () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(passwordProblems(password, "someone", "password")).toEqual([]);
  });
});

describe("configuration", () => {
  const base = { DATABASE_URL: "postgres://localhost/x" };

  it("has defaults for everything but the database", () => {
    const config = loadGatewayConfig(base);
    expect(config).toMatchObject({
      GATEWAY_PORT: 8080,
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_ADMIN_USERNAME: "admin",
      GATEWAY_COOKIE_SECURE: true,
      GATEWAY_VENDOR_PUBLIC_KEYS: [],
      GATEWAY_REQUIRED_SERVICES: ["catalog"],
    });
  });

  it("reads vendor keys as JSON and booleans and lists as text", () => {
    const keyDir = mkdtempSync(join(tmpdir(), "gateway-config-"));
    const keys = devVendorPublicKeys(keyDir);
    rmSync(keyDir, { recursive: true, force: true });
    const config = loadGatewayConfig({
      ...base,
      GATEWAY_VENDOR_PUBLIC_KEYS: keys,
      GATEWAY_COOKIE_SECURE: "false",
      GATEWAY_REQUIRED_SERVICES: "catalog, issuer",
      GATEWAY_PUBLIC_URL: "https://licensing.example.com/",
    });
    expect(config.GATEWAY_VENDOR_PUBLIC_KEYS[0]?.publicKey).toHaveLength(32);
    expect(config.GATEWAY_COOKIE_SECURE).toBe(false);
    expect(config.GATEWAY_REQUIRED_SERVICES).toEqual(["catalog", "issuer"]);
    expect(config.GATEWAY_PUBLIC_URL).toBe("https://licensing.example.com");
  });

  it("names each bad variable", () => {
    const load = () =>
      loadGatewayConfig({
        ...base,
        GATEWAY_VENDOR_PUBLIC_KEYS: "[{]",
        GATEWAY_COOKIE_SECURE: "perhaps",
        GATEWAY_ADMIN_PASSWORD: "short",
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /GATEWAY_VENDOR_PUBLIC_KEYS.*\n.*GATEWAY_COOKIE_SECURE|GATEWAY_COOKIE_SECURE[\s\S]*GATEWAY_VENDOR_PUBLIC_KEYS/,
    );
    expect(load).toThrow(/GATEWAY_ADMIN_PASSWORD/);
    expect(() =>
      loadGatewayConfig({ ...base, GATEWAY_VENDOR_PUBLIC_KEYS: '[{"keyId":"k","publicKey":"AAAA"}]' }),
    ).toThrow(/GATEWAY_VENDOR_PUBLIC_KEYS.*32 bytes/);
  });

  it("stops on a variable an earlier release read, naming what replaced it", () => {
    const load = () => loadGatewayConfig({ ...base, SESSION_IDLE_HOURS: "12", ADMIN_PASSWORD: "x" });
    expect(load).toThrow(
      /SESSION_IDLE_HOURS is no longer read: set GATEWAY_SESSION_IDLE_SECONDS \(in seconds\)/,
    );
    expect(load).toThrow(/ADMIN_PASSWORD is no longer read: set GATEWAY_ADMIN_PASSWORD/);
    // Names a hosting platform may set for its own reasons are not taken for ours.
    expect(loadGatewayConfig({ ...base, PORT: "3000", HOST: "0.0.0.0" }).GATEWAY_PORT).toBe(8080);
  });
});
