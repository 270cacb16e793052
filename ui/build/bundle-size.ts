// Measures the JavaScript a browser loads before the first page shows: the entry script of
// dist/index.html and every chunk it preloads (Vite lists the entry's static imports there). Lazy
// route chunks are not counted. Run: npm run size -w ui (after a build).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";

export interface InitialJs {
  files: { file: string; bytes: number; gzip: number }[];
  gzip: number;
}

export function measureInitialJs(distDir: string): InitialJs {
  const html = readFileSync(resolve(distDir, "index.html"), "utf8");
  const sources = [
    ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
  ].map((match) => match[1] as string);
  const files = [...new Set(sources)].map((src) => {
    const content = readFileSync(resolve(distDir, src.replace(/^\//, "")));
    return { file: src, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((sum, f) => sum + f.gzip, 0) };
}

if (import.meta.main) {
  const result = measureInitialJs(resolve(import.meta.dirname, "../dist"));
  for (const f of result.files)
    console.log(`${f.file.padEnd(40)} ${(f.gzip / 1024).toFixed(1).padStart(7)} KB gzip`);
  console.log(
    `${"initial JS".padEnd(40)} ${(result.gzip / 1024).toFixed(1).padStart(7)} KB gzip (budget 300 KB)`,
  );
}
