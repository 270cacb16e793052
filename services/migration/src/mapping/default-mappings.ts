// The default mapping of each known source (written against docs/migration.md's layouts).
import { fileURLToPath } from "node:url";
import { loadMappingFile } from "./load-mapping.ts";
import type { MappingFile } from "./mapping-schema.ts";

export const DEFAULT_SOURCES = ["studio", "vbuc-cli", "vbuc-sales"] as const;

export type DefaultSource = (typeof DEFAULT_SOURCES)[number];

/** Where the default mapping file of `source` is, to read or to copy and adjust. */
export function defaultMappingPath(source: DefaultSource): string {
  return fileURLToPath(new URL(`./defaults/${source}.yaml`, import.meta.url));
}

export function loadDefaultMapping(source: DefaultSource): Promise<MappingFile> {
  return loadMappingFile(defaultMappingPath(source));
}
