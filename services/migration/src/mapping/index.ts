export { checkDateFormat, dateParser, NO_DATE } from "./dates.ts";
export {
  DEFAULT_SOURCES,
  type DefaultSource,
  defaultMappingPath,
  loadDefaultMapping,
} from "./default-mappings.ts";
export { FIELD_NAMES, FIELDS, type FieldName } from "./fields.ts";
export type { IssueReason, LegacyLicense, MappingIssue, MappingResult } from "./legacy-license.ts";
export { loadMappingFile, parseMapping } from "./load-mapping.ts";
export { mapSource } from "./mapping-engine.ts";
export { type FieldSpec, type MappingFile, mappingFileSchema } from "./mapping-schema.ts";
