// Exported as @licensing/issuer/license-draft too: the CRM module's tests check that the license
// generator's size estimate never overstates the smallest license drafted here.
import {
  type Account,
  type Actor,
  AppError,
  actorMay,
  defaultsOfKind,
  type FieldIssue,
  type LicenseParameters,
  type Product,
} from "@licensing/contracts";
import { type License, validateLicense } from "@licensing/model";

const day = 86_400_000;

/** The last instant a license date can hold (ISO-8601 with a four-digit year). */
export const latestInstant = Date.parse("9999-12-31T23:59:59.999Z");

/** The version of the licensing format the issuer writes into `licensingAssemblyVersion`. */
export const licensingFormatVersion = "2.0";

export interface DraftInput {
  id: string;
  parameters: LicenseParameters;
  /** Where the license was asked for (see createLicenseRequest); null when nobody said. */
  origin: { ownerIpAddress?: string | undefined; createdAtComputer?: string | undefined };
  account: Account;
  products: Product[];
  actor: Actor;
  keyId: string;
  now: Date;
  /** Changes to the drafted license before the model's rules check it (once): a legacy import's origin. */
  adjust?: (drafted: License) => License;
}

/**
 * The license a request asks for: the operator's parameters over the main product's catalog
 * defaults, checked against what the products offer and against the model's rules. Every problem is
 * reported at once, named by the request field it comes from.
 */
export function draftLicense({
  id,
  parameters: p,
  origin,
  account,
  products,
  actor,
  keyId,
  now,
  adjust,
}: DraftInput): License {
  const main = products[0]!;
  const defaults = main.defaults;
  const issues: FieldIssue[] = [];
  const kind = p.kind ?? defaults.kind;
  const internal = p.internal ?? false;
  checkMayCreate(actor, kind, internal);

  const executionModes = p.executionModes ?? defaults.executionModes;
  const customFeatures = p.customFeatures ?? defaults.customFeatures;
  const unitsType =
    p.unitsType ?? defaults.unitsType ?? offeredCodes(products, "unitsTypes")[0] ?? "executions";
  issues.push(...offerIssues({ ...p, executionModes, customFeatures, unitsType }, products));
  if (p.endDate !== undefined && p.durationDays !== undefined) {
    issues.push({ path: "durationDays", message: "give either endDate or durationDays, not both" });
  }
  if (new Set(p.products).size !== p.products.length)
    issues.push({ path: "products", message: "lists a product twice" });
  if (issues.length > 0) throw AppError.validation(issues);

  const startDate = p.startDate ? new Date(p.startDate) : now;
  const kindDefaults = defaultsOfKind(main, kind);
  const durationDays = p.durationDays ?? kindDefaults.durationDays;
  const end =
    p.endDate !== undefined || durationDays === null
      ? null
      : new Date(startDate.getTime() + durationDays * day);
  if (end && end.getTime() > latestInstant) {
    // The end is derived from the start: the start is what to change (or give an end date).
    const from = p.durationDays !== undefined ? "" : " (the product's default)";
    throw AppError.validation([
      {
        path: "startDate",
        message: `is too late: ${durationDays} days${from} after it is past 9999-12-31, the last date a license can carry; choose an earlier start or give an endDate`,
      },
    ]);
  }
  const endDate = p.endDate !== undefined ? p.endDate : (end?.toISOString() ?? null);
  const notifyDays = noticeWithin(p.notifyDays, kindDefaults.notifyDays, startDate, endDate);
  const contact = account.contacts[0];
  const license: License = {
    accountId: account.id,
    accumulatedUnits: p.accumulatedUnits ?? defaults.accumulatedUnits,
    allowedCustomFeatures: customFeatures,
    availableActivations: p.availableActivations ?? defaults.availableActivations,
    createdAtComputer: origin.createdAtComputer ?? null,
    createdBy: actor.username,
    dateIssued: now.toISOString(),
    endDate,
    executionModes,
    fingerprint: p.fingerprint ?? null,
    friendlyRestrictions: p.friendlyRestrictions ?? [],
    id,
    internal,
    keyId,
    kind,
    licenseType:
      p.licenseType ?? (kind === "test" ? "trial" : endDate === null ? "perpetual" : "subscription"),
    licensingAssemblyVersion: licensingFormatVersion,
    metadata: p.metadata ?? {},
    notifyDays,
    ownerCompany: account.name,
    ownerEmail: contact?.email ?? null,
    ownerIpAddress: origin.ownerIpAddress ?? null,
    ownerName: contact?.name ?? null,
    productFriendlyNames: products.map((product) => product.name),
    products: products.map((product) => product.code),
    seats: p.seats ?? defaults.seats,
    serial: 1,
    signedAt: now.toISOString(),
    startDate: startDate.toISOString(),
    unitsPerExecution: p.unitsPerExecution ?? defaults.unitsPerExecution,
    unitsType,
  };
  return checked(adjust ? adjust(license) : license);
}

/**
 * The notice window, never longer than the license: a 14-day license with a 30-day notice would be
 * "expiring" from its first minute and flood the digest. Asked for explicitly, a longer one is
 * refused (naming `notifyDays`); the product's default is shortened to the license's length instead.
 */
function noticeWithin(
  asked: number | null | undefined,
  productDefault: number,
  startDate: Date,
  endDate: string | null,
): number | null {
  const notice = asked !== undefined ? asked : productDefault;
  if (notice === null || endDate === null) return notice;
  const length = (new Date(endDate).getTime() - startDate.getTime()) / day;
  // An end before the start is the model's rule to report (against endDate).
  if (length < 0 || notice <= length) return notice;
  if (asked === undefined) return Math.floor(length);
  const days = Math.floor(length);
  throw AppError.validation([
    {
      path: "notifyDays",
      message: `is longer than the license (${days} day${days === 1 ? "" : "s"}): the notice window must fit within it`,
    },
  ]);
}

/** The license after a change, checked by the model's rules (e.g. an end before the start). */
export function checked(license: License): License {
  const result = validateLicense(license);
  if (!result.ok)
    throw AppError.validation(
      result.issues.map((issue) => ({ path: requestPath(issue.path), message: issue.message })),
    );
  return result.license;
}

/** Kind and internal use each need their own right (docs/architecture.md), checked here as well as at the gateway. */
function checkMayCreate(actor: Actor, kind: "commercial" | "test", internal: boolean): void {
  const action = internal
    ? "license.create.internal"
    : kind === "test"
      ? "license.create.test"
      : "license.create.commercial";
  if (!actorMay(actor, action)) {
    const what = internal ? "internal-use" : kind;
    throw new AppError("forbidden", `${actor.username} may not create ${what} licenses`);
  }
}

/** What the parameters use that none of the products offers, named by field. */
export function offerIssues(
  p: Pick<LicenseParameters, "executionModes" | "customFeatures" | "unitsType">,
  products: Product[],
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const check = (values: string[] | undefined, list: "executionModes" | "customFeatures", what: string) => {
    const offered = new Set(offeredCodes(products, list));
    values?.forEach((value, i) => {
      if (!offered.has(value))
        issues.push({ path: `${list}.${i}`, message: `${value} is not ${what} of ${productList(products)}` });
    });
  };
  check(p.executionModes, "executionModes", "an execution mode");
  check(p.customFeatures, "customFeatures", "a custom feature");
  const unitsTypes = offeredCodes(products, "unitsTypes");
  if (p.unitsType !== undefined && unitsTypes.length > 0 && !unitsTypes.includes(p.unitsType)) {
    issues.push({
      path: "unitsType",
      message: `${p.unitsType} is not a units type of ${productList(products)}`,
    });
  }
  return issues;
}

function offeredCodes(
  products: Product[],
  list: "executionModes" | "customFeatures" | "unitsTypes",
): string[] {
  return [...new Set(products.flatMap((product) => product[list].map((item) => item.code)))];
}

// Model field names that differ from the request's.
function requestPath(path: string): string {
  return path.replace(/^allowedCustomFeatures/, "customFeatures");
}

function productList(products: Product[]): string {
  return products.map((product) => product.code).join(", ");
}
