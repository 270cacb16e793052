import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  baseConfig,
  ConfigError,
  databaseConfig,
  kekSetting,
  loadConfig,
  previousKeksSetting,
  secretVariablesOf,
} from "../src/index.ts";

const schema = baseConfig.extend(databaseConfig.shape);

describe("loadConfig", () => {
  it("applies defaults and reads the variables", () => {
    const config = loadConfig(schema, { DATABASE_URL: "postgres://u@h:5432/db", DATABASE_POOL_SIZE: "4" });
    expect(config).toMatchObject({
      NATS_URL: "nats://127.0.0.1:4222",
      SUBJECT_PREFIX: "lic",
      LOG_LEVEL: "info",
      DATABASE_POOL_SIZE: 4,
    });
  });

  it("names every missing or bad variable in one message", () => {
    const error = (() => {
      try {
        loadConfig(schema, { LOG_LEVEL: "loud", SUBJECT_PREFIX: "Bad Prefix" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain("DATABASE_URL is missing");
    expect(message).toContain('LOG_LEVEL="loud" is invalid');
    expect(message).toContain('SUBJECT_PREFIX="Bad Prefix" is invalid');
  });

  it("treats an empty variable as unset", () => {
    expect(() => loadConfig(schema, { DATABASE_URL: "" })).toThrow(/DATABASE_URL is missing/);
  });

  it("refuses a database URL that is not PostgreSQL", () => {
    expect(() => loadConfig(schema, { DATABASE_URL: "mysql://h/db" })).toThrow(/DATABASE_URL is invalid/);
  });
});

describe("loadConfig: secrets from files", () => {
  const secretSchema = baseConfig.extend(databaseConfig.shape).extend({
    SOME_KEK: kekSetting.meta({ description: "a key", secret: true }),
    SOME_KEK_PREVIOUS: previousKeksSetting.meta({ description: "earlier keys", secret: true }),
    PLAIN: z.string().optional().meta({ description: "not a secret" }),
  });
  const directory = mkdtempSync(join(tmpdir(), "config-"));
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };
  const kek = randomBytes(32);
  const url = "postgres://u:pw@h:5432/db";

  it("reads X_FILE for a secret, trimming one trailing newline", () => {
    const config = loadConfig(secretSchema, {
      DATABASE_URL_FILE: file("url", `${url}\n`),
      SOME_KEK_FILE: file("kek", `${kek.toString("base64")}\n`),
    });
    expect(config.DATABASE_URL).toBe(url);
    expect(config.SOME_KEK.equals(kek)).toBe(true);
    expect(config.SOME_KEK_PREVIOUS).toEqual([]);
  });

  it("reads a comma-separated list of previous KEKs", () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const config = loadConfig(secretSchema, {
      DATABASE_URL: url,
      SOME_KEK: kek.toString("base64"),
      SOME_KEK_PREVIOUS: `${a.toString("base64")}, ${b.toString("base64")}`,
    });
    expect(config.SOME_KEK_PREVIOUS.map((k) => k.toString("hex"))).toEqual([
      a.toString("hex"),
      b.toString("hex"),
    ]);
  });

  it("refuses both X and X_FILE, and an unreadable file, naming the variables", () => {
    expect(() =>
      loadConfig(secretSchema, {
        DATABASE_URL: url,
        SOME_KEK: kek.toString("base64"),
        SOME_KEK_FILE: file("kek2", kek.toString("base64")),
      }),
    ).toThrow(/SOME_KEK and SOME_KEK_FILE are both set: keep one/);
    expect(() =>
      loadConfig(secretSchema, { DATABASE_URL: url, SOME_KEK_FILE: join(directory, "missing") }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig(secretSchema, { DATABASE_URL: url, SOME_KEK_FILE: join(directory, "missing") }),
    ).toThrow(/SOME_KEK_FILE=".*missing" cannot be read \(ENOENT\)/);
  });

  it("ignores X_FILE of a variable that is not a secret", () => {
    const config = loadConfig(secretSchema, {
      DATABASE_URL: url,
      SOME_KEK: kek.toString("base64"),
      PLAIN_FILE: file("plain", "from file"),
    });
    expect(config.PLAIN).toBeUndefined();
  });

  it("never echoes a secret's bad value", () => {
    let message = "";
    try {
      loadConfig(secretSchema, { DATABASE_URL: url, SOME_KEK: "c2hvcnQtYnV0LXNlY3JldA==" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("SOME_KEK is invalid: must be 32 random bytes");
    expect(message).not.toContain("c2hvcnQtYnV0LXNlY3JldA==");
  });

  it("lists the secrets of a schema", () => {
    expect(secretVariablesOf(secretSchema)).toEqual([
      "NATS_NKEY_SEED",
      "BUS_ACTOR_KEY",
      "DATABASE_URL",
      "SOME_KEK",
      "SOME_KEK_PREVIOUS",
    ]);
  });
});
