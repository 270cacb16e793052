import type { AmendLicenseRequest, LicenseDetail } from "@licensing/contracts";
import { localDay, startOfDay } from "./filters.ts";
import { emptyParameters, type ParameterValues, valuesToParameters } from "./parameters.ts";

// An existing license in the parameter form: amended (the license page's "Amend"), or cloned as a new
// license (the generator opened with `?from=<id>`). docs/ui.md, "Amending and cloning a license".

/** The amendment's body: what it may change, without the license id (the path carries it). */
export type AmendBody = Omit<AmendLicenseRequest, "id">;

const day = 86_400_000;

/** The form holding what the license holds now. */
export function licenseToValues(l: LicenseDetail): ParameterValues {
  return {
    ...emptyParameters,
    products: l.products,
    kind: l.kind,
    internal: l.internal,
    licenseType: l.licenseType,
    unitsType: l.unitsType,
    accumulatedUnits: l.accumulatedUnits,
    unitsPerExecution: l.unitsPerExecution,
    startDate: localDay(new Date(l.startDate)),
    endMode: l.endDate === null ? "none" : "date",
    endDate: l.endDate === null ? null : localDay(new Date(l.endDate)),
    availableActivations: l.availableActivations,
    fingerprint: l.fingerprint ?? "",
    executionModes: l.executionModes,
    customFeatures: l.customFeatures,
    notifyDays: l.notifyDays,
    seats: l.seats,
    metadata: Object.entries(l.metadata).map(([key, value]) => ({ key, value })),
    friendlyRestrictions: l.friendlyRestrictions,
    encrypted: l.encrypted,
  };
}

/**
 * A new license like `l`: the same parameters, starting when it is created and lasting as long as
 * `l` does (a one-year license clones into a one-year license from today). Nothing else is shared:
 * the clone gets its own id, key and history.
 */
export function cloneValues(l: LicenseDetail): ParameterValues {
  const values = licenseToValues(l);
  const length = l.endDate ? Math.round((Date.parse(l.endDate) - Date.parse(l.startDate)) / day) : null;
  return {
    ...values,
    startDate: null,
    endMode: length === null ? "none" : "duration",
    durationDays: length === null ? emptyParameters.durationDays : Math.min(36_500, Math.max(1, length)),
    endDate: null,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What the operator changed in the form, as the amendment's body: only the members that differ from
 * the license (the issuer refuses an amendment that changes nothing). Values the schema refuses (an
 * empty number) are sent as typed, so the form names them.
 */
export function amendmentBody(initial: ParameterValues, values: ParameterValues): AmendBody {
  const before = valuesToParameters(initial);
  const after = valuesToParameters(values);
  const body: Record<string, unknown> = {};
  for (const field of [
    "products",
    "availableActivations",
    "accumulatedUnits",
    "unitsPerExecution",
    "seats",
    "notifyDays",
    "executionModes",
    "customFeatures",
  ] as const) {
    if (!same(before[field], after[field])) body[field] = after[field];
  }
  if (!same(initial.metadata, values.metadata))
    body.metadata = Object.fromEntries(values.metadata.map((m) => [m.key.trim(), m.value]));
  if (!same(initial.friendlyRestrictions, values.friendlyRestrictions))
    body.friendlyRestrictions = values.friendlyRestrictions;
  if (values.endMode !== initial.endMode || values.endDate !== initial.endDate)
    body.endDate = values.endMode === "none" ? null : values.endDate ? startOfDay(values.endDate) : "";
  return body as AmendBody;
}

/** The changes of an amendment in a sentence, for the outcome the page announces. */
export function describeAmendment(body: AmendBody): string {
  const names: Record<string, string> = {
    products: "products",
    availableActivations: "activations",
    accumulatedUnits: "accumulated units",
    unitsPerExecution: "units per execution",
    seats: "seats",
    notifyDays: "notice",
    executionModes: "execution modes",
    customFeatures: "custom features",
    metadata: "metadata",
    friendlyRestrictions: "friendly restrictions",
    endDate: "end date",
  };
  return Object.keys(body)
    .filter((key) => key in names)
    .map((key) => names[key])
    .join(", ");
}
