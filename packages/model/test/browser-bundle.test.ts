// The package must bundle for browsers: on the default (non-Node) path nothing may import node:*.
import { build } from "vite";
import { describe, expect, it } from "vitest";

describe("browser bundle", () => {
  it("builds from src/index.ts without any node: import", async () => {
    const warnings: string[] = [];
    const result = await build({
      configFile: false,
      logLevel: "silent",
      root: import.meta.dirname,
      build: {
        write: false,
        minify: false,
        lib: { entry: "../src/index.ts", formats: ["es"], fileName: "model" },
        rollupOptions: { onwarn: (warning) => void warnings.push(warning.message) },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) =>
      "output" in r ? r.output : [],
    );
    const code = outputs.map((chunk) => ("code" in chunk ? chunk.code : "")).join("\n");
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/from\s+["']node:|require\(["']node:|import\(["']node:/);
    expect(code).not.toContain("createPublicKey");
    expect(code).not.toContain("Buffer.from");
    expect(warnings.filter((w) => /externalized|node:/.test(w))).toEqual([]);
  }, 60_000);
});
