import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { measureInitialJs } from "../build/bundle-size.ts";
import { crmModeFromEnv, crmModule, crmModuleId } from "../build/crm-module.ts";

const uiRoot = resolve(import.meta.dirname, "..");
const outDirs: string[] = [];

afterAll(async () => {
  await Promise.all(outDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Builds the app as `npm run build -w ui` does (its config reads UI_CRM), into a temporary folder. */
async function buildUi(mode: "auto" | "exclude"): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), `ui-${mode}-`));
  outDirs.push(outDir);
  await build({
    root: uiRoot,
    configFile: resolve(uiRoot, "vite.config.ts"),
    logLevel: "silent",
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

async function assetsText(outDir: string): Promise<string> {
  const assets = join(outDir, "assets");
  const files = (await readdir(assets)).filter((f) => f.endsWith(".js"));
  return (await Promise.all(files.map((f) => readFile(join(assets, f), "utf8")))).join("\n");
}

function withEnv<T>(name: string, value: string | undefined, run: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  return run().finally(() => {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  });
}

describe("the CRM module switch at build time", () => {
  const plugin = crmModule();
  const load = plugin.load as (this: unknown, id: string) => Promise<string | undefined>;
  const resolveId = plugin.resolveId as (source: string) => string | undefined;

  it("maps the virtual module to the package when it resolves, else to null", async () => {
    const id = resolveId(crmModuleId)!;
    const found = await load.call({ resolve: async () => ({ id: "/x/crm-ui/src/index.ts" }) }, id);
    expect(found).toBe('export { default } from "/x/crm-ui/src/index.ts";\n');
    const missing = await load.call({ resolve: async () => null }, id);
    expect(missing).toBe("export default null;\n");
    const excluded = crmModule({ mode: "exclude" }).load as typeof load;
    const resolveSpy = { resolve: async () => ({ id: "/x" }) };
    expect(await excluded.call(resolveSpy, id)).toBe("export default null;\n");
  });

  it("reads UI_CRM, naming it when its value is wrong", () => {
    expect(crmModeFromEnv(undefined)).toBe("auto");
    expect(crmModeFromEnv("exclude")).toBe("exclude");
    expect(() => crmModeFromEnv("no")).toThrow(/UI_CRM/);
  });

  it("builds with the CRM pages, within the initial JS budget, and without them when excluded", async () => {
    const withCrm = await withEnv("UI_CRM", undefined, () => buildUi("auto"));
    const withoutCrm = await withEnv("UI_CRM", "exclude", () => buildUi("exclude"));

    expect(await assetsText(withCrm)).toContain("crm/accounts");
    const initial = measureInitialJs(withCrm);
    expect(initial.gzip).toBeLessThanOrEqual(300 * 1024);
    // Only the shell is in the first load: the contracts' schemas (zod) come with the pages that use them.
    const initialText = (
      await Promise.all(initial.files.map((f) => readFile(join(withCrm, f.file.replace(/^\//, "")), "utf8")))
    ).join("\n");
    expect(initialText).not.toContain("ISO 3166-1 alpha-2");

    const bare = await assetsText(withoutCrm);
    expect(bare).not.toContain("crm/accounts");
    expect(bare).not.toContain("settings/products");
  }, 120_000);
});
