import type { ProductRelease } from "@licensing/contracts";

// The Update server's words and numbers: sizes, upload progress, state colours, and what a file's
// name says of the platform, architecture and package type it is for.

export const stateLabel: Record<ProductRelease["state"], string> = {
  draft: "Draft",
  published: "Published",
  yanked: "Yanked",
};

/** Badge colours by state; the theme keeps each one's text at AA contrast. */
export const stateColor: Record<ProductRelease["state"], string> = {
  draft: "gray",
  published: "green",
  yanked: "red",
};

const units = ["bytes", "KiB", "MiB", "GiB", "TiB"] as const;

/** A size in words: `512 bytes`, `1.5 MiB`, `2.00 GiB` (three significant digits past a KiB). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Whole percent, never 100 before the last byte (a 2 GB file would show 100 % a while otherwise). */
export function percentOf(sent: number, total: number): number {
  if (total <= 0) return 0;
  if (sent >= total) return 100;
  return Math.min(99, Math.floor((sent / total) * 100));
}

/** "42% · 860 MiB of 2.00 GiB" */
export function progressText(sent: number, total: number): string {
  return `${percentOf(sent, total)}% · ${formatBytes(sent)} of ${formatBytes(total)}`;
}

export const totalSize = (release: Pick<ProductRelease, "artifacts">) =>
  release.artifacts.reduce((sum, artifact) => sum + artifact.size, 0);

export interface FileSuggestion {
  platform: string;
  arch: string;
  fileType: string;
}

// Longest first, so "app.tar.gz" is a tar.gz and not a gz.
const fileTypes: [suffix: string, fileType: string, platform: string | null][] = [
  [".tar.gz", "tar.gz", "linux"],
  [".tar.xz", "tar.xz", "linux"],
  [".tgz", "tar.gz", "linux"],
  [".appimage", "appimage", "linux"],
  [".msix", "msix", "windows"],
  [".msi", "msi", "windows"],
  [".exe", "exe", "windows"],
  [".pkg", "pkg", "macos"],
  [".dmg", "dmg", "macos"],
  [".deb", "deb", "linux"],
  [".rpm", "rpm", "linux"],
  [".zip", "zip", null],
  [".jar", "jar", null],
];

const platformWords: [RegExp, string][] = [
  [/(^|[^a-z])(win|windows|win32|win64)([^a-z]|$)/, "windows"],
  [/(^|[^a-z])(mac|macos|osx|darwin)([^a-z]|$)/, "macos"],
  [/(^|[^a-z])(linux)([^a-z]|$)/, "linux"],
];

const archWords: [RegExp, string][] = [
  [/(^|[^a-z0-9])(arm64|aarch64)([^a-z0-9]|$)/, "arm64"],
  [/(^|[^a-z0-9])(x64|x86_64|amd64|win64)([^a-z0-9]|$)/, "x64"],
  [/(^|[^a-z0-9])(x86|i386|i686|win32)([^a-z0-9]|$)/, "x86"],
  [/(^|[^a-z0-9])(universal)([^a-z0-9]|$)/, "universal"],
];

/**
 * What a file's name suggests it is for: `collector-2.4.0-win-x64.msi` → windows / x64 / msi,
 * `collector-2.4.0-linux-arm64.tar.gz` → linux / arm64 / tar.gz. Words in the name beat what the
 * package type implies; what the name does not say stays empty (x64 for the architecture, the
 * common case, when a platform was found). The operator can change each.
 */
export function suggestFromFileName(fileName: string): FileSuggestion {
  const name = fileName.toLowerCase();
  const type = fileTypes.find(([suffix]) => name.endsWith(suffix));
  const platform = platformWords.find(([word]) => word.test(name))?.[1] ?? type?.[2] ?? "";
  const arch = archWords.find(([word]) => word.test(name))?.[1] ?? (platform ? "x64" : "");
  return { platform, arch, fileType: type?.[1] ?? "" };
}
