import {
  builtinTestDefaults,
  defaultsOfKind,
  type LicenseKind,
  type LicenseParameters,
  type Product,
} from "@licensing/contracts";
import { localDay, startOfDay } from "./filters.ts";

// The license parameter form (the generator's and the presets'): what it edits, how the main
// product's catalog defaults fill it, and the request it sends. Field paths match the request's, so
// the issuer's issues (`executionModes.0`, `endDate`) land on the right field.

/** Number inputs hold `""` while empty. */
type NumberField = number | string;

export interface KeyValue {
  key: string;
  value: string;
}

export interface ParameterValues {
  products: string[];
  kind: LicenseKind;
  internal: boolean;
  /** Free code; empty lets the issuer derive it (trial, perpetual, subscription). */
  licenseType: string;
  unitsType: string | null;
  /** -1: unlimited. */
  accumulatedUnits: NumberField;
  /** -1: no per-execution cap. */
  unitsPerExecution: NumberField;
  /** A calendar day (YYYY-MM-DD, the operator's time zone); empty: when the license is created. */
  startDate: string | null;
  /** The end as a duration from the start, a fixed date, or none. */
  endMode: "duration" | "date" | "none";
  durationDays: NumberField;
  /** A calendar day (YYYY-MM-DD): the license ends as that day starts. */
  endDate: string | null;
  /** -1: unlimited. */
  availableActivations: NumberField;
  fingerprint: string;
  executionModes: string[];
  customFeatures: string[];
  /** null: the notifier's default window. */
  notifyDays: NumberField | null;
  /** -1: unlimited; 0: no fleet seats. */
  seats: NumberField;
  metadata: KeyValue[];
  friendlyRestrictions: KeyValue[];
  encrypted: boolean;
}

export const emptyParameters: ParameterValues = {
  products: [],
  kind: "commercial",
  internal: false,
  licenseType: "",
  unitsType: null,
  accumulatedUnits: -1,
  unitsPerExecution: -1,
  startDate: null,
  endMode: "duration",
  durationDays: 365,
  endDate: null,
  availableActivations: 1,
  fingerprint: "",
  executionModes: [],
  customFeatures: [],
  notifyDays: null,
  seats: 0,
  metadata: [],
  friendlyRestrictions: [],
  encrypted: false,
};

/**
 * The form after the operator chose `kind`: the duration and notice the main product gives that
 * kind (a test license is a short trial with a short notice, so switching to Test does not keep a
 * commercial year). Without a product, the built-in test defaults and a commercial year.
 */
export function withKind(
  product: Product | undefined,
  values: ParameterValues,
  kind: LicenseKind,
): ParameterValues {
  if (kind === values.kind) return values;
  const { durationDays, notifyDays } = product
    ? defaultsOfKind(product, kind)
    : kind === "test"
      ? builtinTestDefaults
      : { durationDays: 365, notifyDays: 30 };
  return {
    ...values,
    kind,
    endMode: durationDays === null ? "none" : "duration",
    durationDays: durationDays ?? values.durationDays,
    endDate: null,
    notifyDays,
  };
}

/**
 * The longest notice the license allows (its length in whole days), or undefined when it has no
 * known end. The issuer refuses a longer one: the license would be "expiring" from its first day.
 */
export function longestNotice(values: ParameterValues): number | undefined {
  if (values.endMode === "duration") {
    const days = Number(values.durationDays);
    return values.durationDays === "" || !Number.isFinite(days) ? undefined : days;
  }
  if (values.endMode === "date" && values.endDate) {
    const start = values.startDate ? new Date(startOfDay(values.startDate)) : new Date();
    const days = Math.floor((new Date(startOfDay(values.endDate)).getTime() - start.getTime()) / 86_400_000);
    return days >= 0 ? days : undefined;
  }
  return undefined;
}

/** The notice window's error, when it is longer than the license. */
export function noticeError(values: ParameterValues): string | undefined {
  const longest = longestNotice(values);
  const notice = values.notifyDays;
  if (longest === undefined || notice === null || notice === "" || Number(notice) <= longest)
    return undefined;
  return `At most ${longest} days: the notice must fit within the license`;
}

/** The form as the main product's catalog defaults fill it (what the issuer would do with nothing). */
export function defaultsFrom(product: Product | undefined, values: ParameterValues): ParameterValues {
  if (!product) return values;
  const d = product.defaults;
  const ofKind = defaultsOfKind(product, d.kind);
  return {
    ...values,
    kind: d.kind,
    unitsType: d.unitsType ?? product.unitsTypes[0]?.code ?? null,
    accumulatedUnits: d.accumulatedUnits,
    unitsPerExecution: d.unitsPerExecution,
    endMode: ofKind.durationDays === null ? "none" : "duration",
    durationDays: ofKind.durationDays ?? 365,
    endDate: null,
    availableActivations: d.availableActivations,
    executionModes: d.executionModes,
    customFeatures: d.customFeatures,
    notifyDays: ofKind.notifyDays,
    seats: d.seats,
  };
}

/** The form for saved parameters (a preset's): the main product's defaults, then what it sets. */
export function parametersToValues(p: LicenseParameters, main: Product | undefined): ParameterValues {
  const base = defaultsFrom(main, { ...emptyParameters, products: p.products });
  // A kind the preset sets brings that kind's duration and notice, as the issuer gives them.
  const values: ParameterValues = p.kind !== undefined ? withKind(main, base, p.kind) : { ...base };
  if (p.internal !== undefined) values.internal = p.internal;
  if (p.licenseType !== undefined) values.licenseType = p.licenseType;
  if (p.unitsType !== undefined) values.unitsType = p.unitsType;
  if (p.accumulatedUnits !== undefined) values.accumulatedUnits = p.accumulatedUnits;
  if (p.unitsPerExecution !== undefined) values.unitsPerExecution = p.unitsPerExecution;
  if (p.startDate !== undefined) values.startDate = localDay(new Date(p.startDate));
  if (p.durationDays !== undefined) {
    values.endMode = "duration";
    values.durationDays = p.durationDays;
  }
  if (p.endDate !== undefined) {
    values.endMode = p.endDate === null ? "none" : "date";
    values.endDate = p.endDate === null ? null : localDay(new Date(p.endDate));
  }
  if (p.availableActivations !== undefined) values.availableActivations = p.availableActivations;
  if (p.fingerprint !== undefined) values.fingerprint = p.fingerprint ?? "";
  if (p.executionModes !== undefined) values.executionModes = p.executionModes;
  if (p.customFeatures !== undefined) values.customFeatures = p.customFeatures;
  if (p.notifyDays !== undefined) values.notifyDays = p.notifyDays;
  if (p.seats !== undefined) values.seats = p.seats;
  if (p.metadata !== undefined)
    values.metadata = Object.entries(p.metadata).map(([key, value]) => ({ key, value }));
  if (p.friendlyRestrictions !== undefined) values.friendlyRestrictions = p.friendlyRestrictions;
  if (p.encrypted !== undefined) values.encrypted = p.encrypted;
  return values;
}

/** A number input's value as the request wants it; an empty one stays a string so the schema names it. */
function num(value: NumberField | null): number | null {
  if (value === null) return null;
  return typeof value === "number" ? value : value.trim() === "" ? (value as never) : Number(value);
}

/** Every parameter the form shows, as the request sends it. */
export function valuesToParameters(v: ParameterValues): LicenseParameters {
  const p: LicenseParameters = {
    products: v.products,
    kind: v.kind,
    accumulatedUnits: num(v.accumulatedUnits)!,
    unitsPerExecution: num(v.unitsPerExecution)!,
    availableActivations: num(v.availableActivations)!,
    executionModes: v.executionModes,
    customFeatures: v.customFeatures,
    notifyDays: num(v.notifyDays),
    seats: num(v.seats)!,
    encrypted: v.encrypted,
  };
  if (v.internal) p.internal = true;
  if (v.licenseType.trim()) p.licenseType = v.licenseType.trim();
  if (v.unitsType) p.unitsType = v.unitsType;
  if (v.startDate) p.startDate = startOfDay(v.startDate);
  if (v.endMode === "duration") p.durationDays = num(v.durationDays)!;
  else if (v.endMode === "none") p.endDate = null;
  // No day chosen yet: "" fails the schema on endDate (null would mean "no end").
  else p.endDate = v.endDate ? startOfDay(v.endDate) : "";
  if (v.fingerprint.trim()) p.fingerprint = v.fingerprint.trim();
  if (v.metadata.length > 0) p.metadata = Object.fromEntries(v.metadata.map((m) => [m.key.trim(), m.value]));
  if (v.friendlyRestrictions.length > 0) p.friendlyRestrictions = v.friendlyRestrictions;
  return p;
}

/**
 * Only what differs from the main product's defaults for the chosen kind (for a preset): the rest
 * keeps following the catalog, so a preset "30-day test" stays right when the product's defaults
 * change.
 */
export function changedParameters(v: ParameterValues, main: Product | undefined): LicenseParameters {
  const all = valuesToParameters(v);
  if (!main) return all;
  // The defaults of the chosen kind: a test preset keeps following the product's test defaults.
  const kindDefaults = withKind(
    main,
    defaultsFrom(main, { ...emptyParameters, products: v.products }),
    v.kind,
  );
  const defaults = valuesToParameters(kindDefaults);
  const changed: Record<string, unknown> = { products: all.products };
  for (const [key, value] of Object.entries(all)) {
    if (key === "products" || key === "durationDays" || key === "endDate") continue;
    if (key === "kind") {
      if (value !== main.defaults.kind) changed.kind = value;
      continue;
    }
    if (JSON.stringify(value) !== JSON.stringify((defaults as Record<string, unknown>)[key]))
      changed[key] = value;
  }
  // The end is one choice in the form: a changed end sends its whole choice.
  const defaultEnd = kindDefaults.endMode;
  if (v.endMode !== defaultEnd || (v.endMode === "duration" && all.durationDays !== defaults.durationDays)) {
    if (v.endMode === "duration") changed.durationDays = all.durationDays;
    else changed.endDate = all.endDate;
  }
  return changed as LicenseParameters;
}

/**
 * Codes the chosen products offer (modes, features or units types), each once, labelled with its
 * name; a code already chosen that none of them offers stays listed, marked, so it can be removed.
 */
export function offeredOptions(
  products: Product[],
  list: "executionModes" | "customFeatures" | "unitsTypes",
  chosen: readonly string[] = [],
): { value: string; label: string }[] {
  const options = new Map<string, string>();
  for (const product of products)
    for (const item of product[list]) if (!options.has(item.code)) options.set(item.code, item.name);
  for (const code of chosen) if (!options.has(code)) options.set(code, `${code} (not offered)`);
  return [...options].map(([value, name]) => ({
    value,
    label: name.endsWith("(not offered)") ? name : `${name} (${value})`,
  }));
}

const pickerLists = ["products", "executionModes", "customFeatures", "status"];

/**
 * An issue's path as the form's field: `parameters.` (a preset's request) dropped, and an item of a
 * multi-select (`executionModes.1`) shown on the select itself.
 */
export function fieldOfIssue(path: string, prefix = ""): string {
  const own = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
  const [first, second] = own.split(".");
  return first && pickerLists.includes(first) && second !== undefined && /^\d+$/.test(second) ? first : own;
}

/** A form's errors with each path moved to its field (see fieldOfIssue). */
export function toFieldErrors(
  errors: Record<string, React.ReactNode>,
  prefix = "",
): Record<string, React.ReactNode> {
  const out: Record<string, React.ReactNode> = {};
  for (const [path, message] of Object.entries(errors)) out[fieldOfIssue(path, prefix)] ??= message;
  return out;
}
