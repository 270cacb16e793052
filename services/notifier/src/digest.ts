// The digest's build on its own (rows from the issuer, the settings row, rendering), for the
// benchmark that measures it apart from the service.
export { digestRows } from "./domain/digest-rows.ts";
export { Digests } from "./domain/digests.ts";
export type { SettingsRow } from "./domain/entities.ts";
export { renderDigest } from "./domain/render.ts";
