// One cell's text → the field's value, or the issue that keeps it out.
import { dateParser, NO_DATE } from "./dates.ts";
import { FIELDS, type FieldName } from "./fields.ts";
import type { IssueReason } from "./legacy-license.ts";
import type { FieldSpec, MappingFile } from "./mapping-schema.ts";

export type FieldValue = string | number | string[] | { key: string; value: string }[] | null;

export type Converted =
  | { ok: true; value: FieldValue }
  /** `value`: the legacy value a value map does not know (reports count unknown products by it). */
  | { ok: false; reason: IssueReason; message: string; value?: string };

/** A field's converter, compiled once per mapping. */
export type FieldConverter = (cell: string | null) => Converted;

export function fieldConverter(field: FieldName, spec: FieldSpec, mapping: MappingFile): FieldConverter {
  const definition = FIELDS[field] as { kind: string; min?: number; max?: number };
  const valueMap = spec.map === undefined ? null : normalizedMap(mapping.valueMaps[spec.map]!);
  const unknownReason: IssueReason = field === "products" ? "unknown_product" : "unknown_value";
  const mapValue = (text: string): Converted => {
    if (valueMap === null) return { ok: true, value: text };
    const mapped = valueMap.get(text.toLowerCase());
    return mapped === undefined
      ? { ok: false, reason: unknownReason, message: `${text} is not in value map ${spec.map}`, value: text }
      : { ok: true, value: mapped };
  };
  const fallback = (): Converted => {
    if (spec.default === undefined) return { ok: true, value: emptyValue(definition.kind) };
    const listed = definition.kind === "list" && typeof spec.default === "string";
    return { ok: true, value: listed ? [spec.default as string] : spec.default };
  };

  switch (definition.kind) {
    case "text":
      return (cell) => {
        const text = clean(cell);
        return text === null ? fallback() : { ok: true, value: text };
      };
    case "verbatim":
      // The legacy license file is provenance: kept byte for byte, only a blank cell is no value.
      return (cell) => (clean(cell) === null ? fallback() : { ok: true, value: cell });
    case "code":
      return (cell) => {
        const text = clean(cell);
        return text === null ? fallback() : mapValue(text);
      };
    case "list":
      return (cell) => {
        const text = clean(cell);
        if (text === null) return fallback();
        const items: string[] = [];
        for (const item of spec.split === undefined ? [text] : text.split(spec.split)) {
          const trimmed = item.trim();
          if (trimmed === "") continue;
          const mapped = mapValue(trimmed);
          if (!mapped.ok) return mapped;
          if (!items.includes(mapped.value as string)) items.push(mapped.value as string);
        }
        return items.length === 0 ? fallback() : { ok: true, value: items };
      };
    case "date": {
      const parse = dateParser(spec.formats ?? mapping.dates.formats, mapping.dates.timeZone);
      return (cell) => {
        const text = clean(cell);
        if (text === null) return fallback();
        const iso = parse(text);
        if (iso === null)
          return { ok: false, reason: "invalid_date", message: `${text} matches none of the formats` };
        return { ok: true, value: iso === NO_DATE ? null : iso };
      };
    }
    case "integer":
    case "limit":
      return (cell) => {
        const text = clean(cell);
        if (text === null) return fallback();
        const number = /^[+-]?\d+(\.0*)?$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
        const min = definition.kind === "limit" ? -1 : (definition.min ?? Number.MIN_SAFE_INTEGER);
        const max = definition.max ?? 2_147_483_647;
        if (!Number.isSafeInteger(number) || number < min || number > max) {
          const range = definition.kind === "limit" ? "-1 (unlimited) or 0 and up" : `${min} to ${max}`;
          return {
            ok: false,
            reason: "invalid_number",
            message: `${text} is not a whole number from ${range}`,
          };
        }
        return { ok: true, value: number };
      };
    case "pairs":
      return (cell) => {
        const text = clean(cell);
        if (text === null) return fallback();
        const pairs: { key: string; value: string }[] = [];
        for (const item of text.split(spec.split ?? ";")) {
          if (item.trim() === "") continue;
          const at = item.indexOf(spec.pair ?? "=");
          const key = (at < 0 ? item : item.slice(0, at)).trim();
          const value = at < 0 ? "" : item.slice(at + (spec.pair ?? "=").length).trim();
          if (!pairs.some((p) => p.key === key)) pairs.push({ key, value });
        }
        return { ok: true, value: pairs };
      };
    default:
      throw new Error(`no converter for ${definition.kind}`);
  }
}

/** Trailing spaces are noise in the legacy data; a blank cell is no value. */
function clean(cell: string | null): string | null {
  if (cell === null) return null;
  const text = cell.trim();
  return text === "" ? null : text;
}

function emptyValue(kind: string): FieldValue {
  return kind === "list" || kind === "pairs" ? [] : null;
}

function normalizedMap(entries: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(entries).map(([from, to]) => [from.trim().toLowerCase(), to]));
}
