import {
  builtinTestDefaults,
  type LicenseDefaults,
  type NamedCode,
  type Product,
} from "@licensing/contracts";
import type { CreateProduct, UpdateProduct } from "./api.ts";

/** Number inputs hold `""` while empty. */
type NumberField = number | string;

/** What the product form edits; field paths are the request's, so server errors land on them. */
export interface ProductFormValues {
  code: string;
  name: string;
  defaultNotifyDays: NumberField;
  executionModes: NamedCode[];
  customFeatures: NamedCode[];
  unitsTypes: NamedCode[];
  defaults: {
    kind: LicenseDefaults["kind"];
    durationDays: NumberField | null;
    unitsType: string | null;
    accumulatedUnits: NumberField;
    unitsPerExecution: NumberField;
    availableActivations: NumberField;
    executionModes: string[];
    customFeatures: string[];
    seats: NumberField;
  };
  /** What a test license gets: a short trial with a short notice. */
  testDefaults: { durationDays: NumberField; notifyDays: NumberField };
}

export const emptyProduct: ProductFormValues = {
  code: "",
  name: "",
  defaultNotifyDays: 30,
  executionModes: [],
  customFeatures: [],
  unitsTypes: [],
  defaults: {
    kind: "commercial",
    durationDays: 365,
    unitsType: null,
    accumulatedUnits: -1,
    unitsPerExecution: -1,
    availableActivations: 1,
    executionModes: [],
    customFeatures: [],
    seats: 0,
  },
  testDefaults: { ...builtinTestDefaults },
};

export function productToForm(product: Product): ProductFormValues {
  return {
    code: product.code,
    name: product.name,
    defaultNotifyDays: product.defaultNotifyDays,
    executionModes: product.executionModes.map((m) => ({ ...m })),
    customFeatures: product.customFeatures.map((f) => ({ ...f })),
    unitsTypes: product.unitsTypes.map((u) => ({ ...u })),
    defaults: {
      ...product.defaults,
      executionModes: [...product.defaults.executionModes],
      customFeatures: [...product.defaults.customFeatures],
    },
    testDefaults: { ...product.testDefaults },
  };
}

/** An empty number input is no number: the schema then says the field is missing. */
function toNumber(value: NumberField): number {
  return typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
}

const trimCodes = (list: NamedCode[]) =>
  list.map((item) => ({ code: item.code.trim(), name: item.name.trim() }));

function fields(values: ProductFormValues) {
  const d = values.defaults;
  return {
    name: values.name,
    defaultNotifyDays: toNumber(values.defaultNotifyDays),
    executionModes: trimCodes(values.executionModes),
    customFeatures: trimCodes(values.customFeatures),
    unitsTypes: trimCodes(values.unitsTypes),
    defaults: {
      kind: d.kind,
      durationDays: d.durationDays === null ? null : toNumber(d.durationDays),
      unitsType: d.unitsType,
      accumulatedUnits: toNumber(d.accumulatedUnits),
      unitsPerExecution: toNumber(d.unitsPerExecution),
      availableActivations: toNumber(d.availableActivations),
      executionModes: d.executionModes,
      customFeatures: d.customFeatures,
      seats: toNumber(d.seats),
    },
    testDefaults: {
      durationDays: toNumber(values.testDefaults.durationDays),
      notifyDays: toNumber(values.testDefaults.notifyDays),
    },
  };
}

export function toCreateRequest(values: ProductFormValues): CreateProduct {
  return { code: values.code.trim(), ...fields(values) };
}

export function toUpdateRequest(
  product: Pick<Product, "code" | "version">,
  values: ProductFormValues,
): UpdateProduct {
  return { code: product.code, expectedVersion: product.version, ...fields(values) };
}

/**
 * Defaults may only use what the product offers: when a mode, feature or units type is removed or
 * its code edited, the defaults let go of it too.
 */
export function pruneDefaults(values: ProductFormValues): ProductFormValues["defaults"] | null {
  const modes = new Set(values.executionModes.map((m) => m.code.trim()));
  const features = new Set(values.customFeatures.map((f) => f.code.trim()));
  const units = new Set(values.unitsTypes.map((u) => u.code.trim()));
  const d = values.defaults;
  const executionModes = d.executionModes.filter((code) => modes.has(code));
  const customFeatures = d.customFeatures.filter((code) => features.has(code));
  const unitsType = d.unitsType !== null && units.has(d.unitsType) ? d.unitsType : null;
  if (
    executionModes.length === d.executionModes.length &&
    customFeatures.length === d.customFeatures.length &&
    unitsType === d.unitsType
  )
    return null;
  return { ...d, executionModes, customFeatures, unitsType };
}
