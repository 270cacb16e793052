import { describe, expect, it } from "vitest";
import { baseConfig, ConfigError, databaseConfig, loadConfig } from "../src/index.ts";

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
    expect(() => loadConfig(schema, { DATABASE_URL: "mysql://h/db" })).toThrow(
      /DATABASE_URL="mysql:\/\/h\/db" is invalid/,
    );
  });
});
