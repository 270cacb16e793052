// `npm start` serves the built UI: build it when there is no build yet, or when a source file is
// newer than the build (a fresh clone, or a pull that changed the UI).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const sources = [
  "ui/src",
  "ui/index.html",
  "ui/vite.config.ts",
  "ui/build",
  "modules/crm/ui/src",
  "packages/contracts/src",
];

export function ensureUiBuilt(root: string, say: (line: string) => void): void {
  const built = join(root, "ui/dist/index.html");
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const changedAt = Math.max(...sources.map((source) => newest(join(root, source))));
  if (builtAt > changedAt) return;
  say(builtAt === 0 ? "Building the UI (first start)…" : "Rebuilding the UI (its sources changed)…");
  const run = spawnSync("npm", ["run", "build", "-w", "ui"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (run.status !== 0) throw new Error("Building the UI failed (npm run build -w ui)");
}

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}
