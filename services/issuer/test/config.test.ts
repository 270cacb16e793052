import { randomBytes } from "node:crypto";
import { ConfigError } from "@licensing/platform";
import { describe, expect, it } from "vitest";
import { loadIssuerConfig } from "../src/config.ts";

const base = { DATABASE_URL: "postgres://postgres@127.0.0.1/licensing" };

describe("issuer configuration", () => {
  it("refuses to start without a key-encryption key, saying how to make one", () => {
    expect(() => loadIssuerConfig(base)).toThrow(ConfigError);
    expect(() => loadIssuerConfig(base)).toThrow(/ISSUER_KEK is missing/);
    expect(() => loadIssuerConfig({ ...base, ISSUER_KEK: "c2hvcnQ=" })).toThrow(
      /ISSUER_KEK is invalid: must be 32 random bytes in base64 \(generate one with: openssl rand -base64 32\)/,
    );
  });

  it("reads a 32-byte key in base64", () => {
    const kek = randomBytes(32);
    expect(loadIssuerConfig({ ...base, ISSUER_KEK: kek.toString("base64") }).ISSUER_KEK.equals(kek)).toBe(
      true,
    );
  });

  it("counts status days in UTC unless told a valid IANA zone", () => {
    const kek = randomBytes(32).toString("base64");
    expect(loadIssuerConfig({ ...base, ISSUER_KEK: kek }).ISSUER_TIME_ZONE).toBe("UTC");
    expect(
      loadIssuerConfig({ ...base, ISSUER_KEK: kek, ISSUER_TIME_ZONE: "Europe/Paris" }).ISSUER_TIME_ZONE,
    ).toBe("Europe/Paris");
    expect(() => loadIssuerConfig({ ...base, ISSUER_KEK: kek, ISSUER_TIME_ZONE: "Mars/Olympus" })).toThrow(
      /ISSUER_TIME_ZONE=.* is invalid: must be an IANA time zone/,
    );
  });
});
