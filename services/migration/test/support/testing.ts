// What other workspaces' tests use to give the migration service something to read
// (`@licensing/migration/testing`): the seeded export generator and the outcome it plants.
export { type ExportFormat, type GenerateOptions, writeLegacyExport } from "./export-writers.ts";
export { expectedOutcome } from "./legacy-data.ts";
