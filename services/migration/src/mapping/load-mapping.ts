// Reading a mapping file: YAML syntax, then the schema, then what the schema cannot say alone (that
// columns name known tables, maps exist, formats parse). Every problem is reported at once, each with
// its path in the file and its line, as one AppError `validation_failed`.
import { readFile } from "node:fs/promises";
import { AppError, type FieldIssue } from "@licensing/contracts";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { checkDateFormat, checkTimeZone } from "./dates.ts";
import { FIELD_NAMES, FIELDS, isFieldName } from "./fields.ts";
import { type MappingFile, mappingFileSchema } from "./mapping-schema.ts";

export async function loadMappingFile(path: string): Promise<MappingFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new AppError("not_found", `The mapping file ${path} cannot be read.`);
  }
  return parseMapping(text, path);
}

/** Parses and checks a mapping file's text; `what` names it in messages. */
export function parseMapping(text: string, what = "mapping"): MappingFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw AppError.validation(
      document.errors.map((e) => ({
        path: `line ${e.linePos?.[0].line ?? "?"}`,
        message: e.message.split("\n")[0]!,
      })),
      `mapping file ${what}`,
    );
  }
  const parsed = mappingFileSchema.safeParse(document.toJS());
  const issues: { path: (string | number)[]; message: string }[] = parsed.success
    ? crossCheck(parsed.data)
    : parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
        message: i.message,
      }));
  if (issues.length > 0 || !parsed.success) {
    const located: FieldIssue[] = issues.map((i) => ({
      path: `${i.path.length === 0 ? "(top level)" : i.path.join(".")}${lineOf(document.contents, i.path, lines)}`,
      message: i.message,
    }));
    throw AppError.validation(located, `mapping file ${what}`);
  }
  return parsed.data;
}

function crossCheck(mapping: MappingFile): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const tables = new Set([mapping.main.table]);
  mapping.joins.forEach((join, i) => {
    const [onTable] = join.on.split(".");
    if (!tables.has(onTable!)) {
      issues.push({
        path: ["joins", i, "on"],
        message: `${onTable} is not the main table or an earlier join`,
      });
    }
    if (tables.has(join.table))
      issues.push({ path: ["joins", i, "table"], message: `${join.table} is joined twice` });
    tables.add(join.table);
  });
  for (const [i, format] of mapping.dates.formats.entries()) {
    const problem = checkDateFormat(format);
    if (problem) issues.push({ path: ["dates", "formats", i], message: problem });
  }
  const zoneProblem = checkTimeZone(mapping.dates.timeZone);
  if (zoneProblem) issues.push({ path: ["dates", "timeZone"], message: zoneProblem });
  const normalized = new Map<string, string>();
  for (const [mapName, entries] of Object.entries(mapping.valueMaps)) {
    normalized.clear();
    for (const key of Object.keys(entries)) {
      const norm = key.trim().toLowerCase();
      const earlier = normalized.get(norm);
      if (earlier !== undefined) {
        issues.push({
          path: ["valueMaps", mapName, key],
          message: `the same value as ${earlier} (case and spaces aside)`,
        });
      }
      normalized.set(norm, key);
    }
  }
  for (const [field, spec] of Object.entries(mapping.fields)) {
    if (!isFieldName(field)) {
      issues.push({
        path: ["fields", field],
        message: `not a license field (one of ${FIELD_NAMES.join(", ")})`,
      });
      continue;
    }
    const kind = FIELDS[field].kind;
    const at = (key: string) => ["fields", field, key];
    if (spec.column !== undefined && !tables.has(spec.column.split(".")[0]!)) {
      issues.push({
        path: at("column"),
        message: `${spec.column.split(".")[0]} is not the main table or a join`,
      });
    }
    if (spec.column === undefined && spec.default === undefined) {
      issues.push({ path: ["fields", field], message: "give a column, a default, or both" });
    }
    if (spec.map !== undefined && !Object.hasOwn(mapping.valueMaps, spec.map)) {
      issues.push({ path: at("map"), message: `no value map named ${spec.map} under valueMaps` });
    }
    if (spec.map !== undefined && kind !== "code" && kind !== "list") {
      issues.push({ path: at("map"), message: `${field} is not a code or a list` });
    }
    if (spec.split !== undefined && kind !== "list" && kind !== "pairs") {
      issues.push({ path: at("split"), message: `${field} is not a list` });
    }
    if (spec.pair !== undefined && kind !== "pairs") {
      issues.push({ path: at("pair"), message: "pair is only for friendlyRestrictions" });
    }
    if (spec.formats !== undefined && kind !== "date") {
      issues.push({ path: at("formats"), message: `${field} is not a date` });
    }
    for (const [i, format] of (spec.formats ?? []).entries()) {
      const problem = checkDateFormat(format);
      if (problem) issues.push({ path: ["fields", field, "formats", i], message: problem });
    }
    const numeric = kind === "integer" || kind === "limit";
    if (spec.default !== undefined && numeric !== (typeof spec.default === "number")) {
      issues.push({
        path: at("default"),
        message: numeric ? `${field} takes a whole number` : `${field} takes text`,
      });
    }
  }
  for (const field of FIELD_NAMES) {
    if ((FIELDS[field] as { required?: boolean }).required && !Object.hasOwn(mapping.fields, field)) {
      issues.push({ path: ["fields"], message: `${field} is required and not mapped` });
    }
  }
  return issues;
}

/** ` (line N)` of the deepest node along `path` that the file has. */
function lineOf(root: unknown, path: (string | number)[], lines: LineCounter): string {
  let node = root as Node | null;
  let found = node;
  for (const key of path) {
    if (!isMap(node) && !isSeq(node)) break;
    const next = node.get(key, true) as Node | undefined;
    if (next === undefined || next === null) break;
    node = next;
    found = next;
  }
  const offset = found?.range?.[0];
  return offset === undefined ? "" : ` (line ${lines.linePos(offset).line})`;
}
