import { z } from "zod";
import { defineEndpoint } from "./endpoint.ts";
import { defineEvent } from "./event.ts";
import { countResponse, idOf, pageOf, pageRequest, text, timestamp } from "./schema.ts";

// Request schemas are strict (`z.strictObject`, an unknown member is `validation_failed` naming it);
// answers and event payloads stay tolerant (`z.object`), so a newer writer does not break a reader.

// ---------- Accounts ----------

export const accountTypes = ["customer", "prospect"] as const;
export const accountTypeSchema = z.enum(accountTypes);

const contactShape = {
  name: text(200),
  email: z.email({ message: "must be an email address" }).max(320),
  role: z.string().trim().max(100).default(""),
};
export const contactSchema = z.object(contactShape);
export type Contact = z.infer<typeof contactSchema>;
/** A contact as a request sends it: only these members. */
export const contactInput = z.strictObject(contactShape);

/** ISO 3166-1 alpha-2, upper case. */
export const countrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, { message: "must be an ISO 3166-1 alpha-2 country code (e.g. FR)" });

/** A customer or prospect account, the owner of licenses. */
export const accountSchema = z.object({
  id: idOf("account"),
  type: accountTypeSchema,
  name: z.string(),
  externalId: z.string().nullable(),
  country: z.string().nullable(),
  contacts: z.array(contactSchema),
  salesOwner: z.string().nullable(),
  notes: z.string(),
  archived: z.boolean(),
  version: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Account = z.infer<typeof accountSchema>;

const accountFields = {
  name: text(200),
  externalId: z.string().trim().min(1).max(100).nullable(),
  country: countrySchema.nullable(),
  contacts: z.array(contactInput).max(50),
  salesOwner: z.string().trim().min(1).max(200).nullable(),
  notes: z.string().max(10_000),
};

export const createAccountRequest = z.strictObject({
  type: accountTypeSchema,
  name: accountFields.name,
  externalId: accountFields.externalId.default(null),
  country: accountFields.country.default(null),
  contacts: accountFields.contacts.default([]),
  salesOwner: accountFields.salesOwner.default(null),
  notes: accountFields.notes.default(""),
});

export const updateAccountRequest = z.strictObject({
  id: idOf("account"),
  /** When given, the update applies only if the account is still at this version. */
  expectedVersion: z.number().int().min(1).optional(),
  name: accountFields.name.optional(),
  externalId: accountFields.externalId.optional(),
  country: accountFields.country.optional(),
  contacts: accountFields.contacts.optional(),
  salesOwner: accountFields.salesOwner.optional(),
  notes: accountFields.notes.optional(),
});

const accountRef = z.strictObject({ id: idOf("account") });

export const searchAccountsRequest = z.strictObject({
  /** Typo-tolerant match on the name (and exact match on the external id). */
  query: z.string().trim().max(200).optional(),
  type: accountTypeSchema.optional(),
  includeArchived: z.boolean().default(false),
  ...pageRequest,
});

/** The search's filters, without its page: what `catalog.account.count` counts. */
export const countAccountsRequest = searchAccountsRequest.omit({ cursor: true, limit: true });

export const importAccountsRequest = z.strictObject({
  /** A CRM export: CSV with a header row (see docs/accounts-import.md). */
  csv: z
    .string()
    .min(1)
    .max(8 * 1024 * 1024),
  /** Report what would happen without changing anything (the UI's preview). */
  dryRun: z.boolean().default(false),
});

export const importRowOutcome = z.object({
  row: z.number().int(),
  externalId: z.string().nullable(),
  name: z.string().nullable(),
  outcome: z.enum(["created", "updated", "unchanged", "rejected"]),
  reason: z.string().optional(),
  accountId: z.string().optional(),
});

export const importAccountsResponse = z.object({
  dryRun: z.boolean(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  rows: z.array(importRowOutcome),
});
export type ImportAccountsResponse = z.infer<typeof importAccountsResponse>;

// ---------- Products ----------

/** A code: lower case, starts with a letter, e.g. `collector`, `csharp`, `lines-of-code`. */
export const codeSchema = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9._-]{0,62}$/, {
    message: "must be lower-case letters, digits, '.', '_' or '-', starting with a letter",
  });

export const namedCodeSchema = z.object({ code: codeSchema, name: text(200) });
export type NamedCode = z.infer<typeof namedCodeSchema>;
const namedCodeInput = z.strictObject(namedCodeSchema.shape);

/** What a new license for the product gets unless the operator says otherwise. */
const licenseDefaultsShape = {
  kind: z.enum(["commercial", "test"]).default("commercial"),
  durationDays: z.number().int().min(1).max(36_500).nullable().default(365),
  unitsType: codeSchema.nullable().default(null),
  accumulatedUnits: z.number().int().min(-1).default(-1),
  /** Units one execution may use at most; -1 for no per-execution limit. */
  unitsPerExecution: z.number().int().min(-1).default(-1),
  availableActivations: z.number().int().min(-1).default(1),
  executionModes: z.array(codeSchema).default([]),
  customFeatures: z.array(codeSchema).default([]),
  seats: z.number().int().min(0).default(0),
};
export const licenseDefaultsSchema = z.object(licenseDefaultsShape);
export type LicenseDefaults = z.infer<typeof licenseDefaultsSchema>;
const licenseDefaultsInput = z.strictObject(licenseDefaultsShape);

/**
 * What a test license of the product gets unless the operator says otherwise: a short trial with a
 * short notice. `defaults.durationDays` and `defaultNotifyDays` are those of commercial licenses.
 */
const testDefaultsShape = {
  durationDays: z.number().int().min(1).max(36_500),
  notifyDays: z.number().int().min(0).max(365),
};
export const testDefaultsSchema = z.object(testDefaultsShape);
export type TestDefaults = z.infer<typeof testDefaultsSchema>;
/** Test licenses run 30 days with a 7-day notice unless the product says otherwise. */
export const builtinTestDefaults: TestDefaults = { durationDays: 30, notifyDays: 7 };
const testDefaultsInput = z.strictObject(testDefaultsShape).refine((d) => d.notifyDays < d.durationDays, {
  message: "must be shorter than the test license's duration",
  path: ["notifyDays"],
});

export const productSchema = z.object({
  code: codeSchema,
  name: z.string(),
  executionModes: z.array(namedCodeSchema),
  customFeatures: z.array(namedCodeSchema),
  unitsTypes: z.array(namedCodeSchema),
  defaultNotifyDays: z.number().int(),
  defaults: licenseDefaultsSchema,
  /** Defaulted: products described before test defaults existed (stored events) read as the built-in ones. */
  testDefaults: testDefaultsSchema.default(builtinTestDefaults),
  version: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Product = z.infer<typeof productSchema>;

/**
 * The duration (null: no end) and notice a license of `kind` gets from its main product when nobody
 * says otherwise: a test license the product's test defaults, a commercial one its license defaults.
 * The issuer drafts with it, the generator fills its form with it.
 */
export function defaultsOfKind(
  product: Pick<Product, "defaults" | "defaultNotifyDays" | "testDefaults">,
  kind: "commercial" | "test",
): { durationDays: number | null; notifyDays: number } {
  return kind === "test"
    ? product.testDefaults
    : { durationDays: product.defaults.durationDays, notifyDays: product.defaultNotifyDays };
}

const productFields = {
  name: text(200),
  executionModes: z.array(namedCodeInput).max(100),
  customFeatures: z.array(namedCodeInput).max(500),
  unitsTypes: z.array(namedCodeInput).max(50),
  defaultNotifyDays: z.number().int().min(0).max(365),
  defaults: licenseDefaultsInput,
  testDefaults: testDefaultsInput,
};

export const createProductRequest = z.strictObject({
  code: codeSchema,
  name: productFields.name,
  executionModes: productFields.executionModes.default([]),
  customFeatures: productFields.customFeatures.default([]),
  unitsTypes: productFields.unitsTypes.default([]),
  defaultNotifyDays: productFields.defaultNotifyDays.default(30),
  defaults: productFields.defaults.default(licenseDefaultsSchema.parse({})),
  testDefaults: productFields.testDefaults.default(builtinTestDefaults),
});

export const updateProductRequest = z.strictObject({
  code: codeSchema,
  expectedVersion: z.number().int().min(1).optional(),
  name: productFields.name.optional(),
  executionModes: productFields.executionModes.optional(),
  customFeatures: productFields.customFeatures.optional(),
  unitsTypes: productFields.unitsTypes.optional(),
  defaultNotifyDays: productFields.defaultNotifyDays.optional(),
  defaults: productFields.defaults.optional(),
  testDefaults: productFields.testDefaults.optional(),
});

const productRef = z.strictObject({ code: codeSchema });

// ---------- Endpoints ----------

/**
 * How long a service may license an account on the catalog's word that it is licensable (it exists
 * and is not archived), counted from when it asked. Archiving an account, or changing what licenses
 * copy from it (its name, its contacts), answers only once this long has passed since the change
 * committed: whoever gets that answer can rely on no later request being licensed on the account
 * as it was (docs/issuer.md).
 */
export const accountAnswerLeaseMs = 250;

export const catalog = {
  createAccount: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.create",
    summary: "Create a customer or prospect account",
    request: createAccountRequest,
    response: accountSchema,
    errors: ["validation_failed", "already_exists"],
    callers: ["gateway", "migration"],
  }),
  updateAccount: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.update",
    summary: "Change an account's details",
    request: updateAccountRequest,
    response: accountSchema,
    errors: ["validation_failed", "not_found", "already_exists", "conflict", "account_archived"],
  }),
  archiveAccount: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.archive",
    summary: "Archive an account: it stays readable but gets no new licenses",
    request: accountRef,
    response: accountSchema,
    errors: ["validation_failed", "not_found"],
  }),
  restoreAccount: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.restore",
    summary: "Bring an archived account back",
    request: accountRef,
    response: accountSchema,
    errors: ["validation_failed", "not_found"],
  }),
  promoteAccount: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.promote",
    summary: "Turn a prospect into a customer",
    request: accountRef,
    response: accountSchema,
    errors: ["validation_failed", "not_found", "invalid_state", "account_archived"],
  }),
  getAccount: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.get",
    summary: "One account by id",
    request: accountRef,
    response: accountSchema,
    errors: ["validation_failed", "not_found"],
    callers: ["gateway", "issuer"],
  }),
  getAccounts: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.get-many",
    summary: "Up to 1,000 accounts by id, in one answer (ids not found are left out)",
    request: z.strictObject({ ids: z.array(idOf("account")).min(1).max(1_000) }),
    response: z.object({ items: z.array(accountSchema) }),
    errors: ["validation_failed"],
    callers: ["issuer"],
  }),
  accountNames: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.names",
    summary: "The names of up to 1,000 accounts by id, in one answer (ids not found are left out)",
    request: z.strictObject({ ids: z.array(idOf("account")).min(1).max(1_000) }),
    response: z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) }),
    errors: ["validation_failed"],
  }),
  searchAccounts: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.search",
    summary: "Accounts by name (typo-tolerant) or external id, a page at a time",
    request: searchAccountsRequest,
    response: pageOf(accountSchema),
    errors: ["validation_failed"],
    callers: ["gateway", "migration"],
  }),
  countAccounts: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.count",
    summary: "How many accounts match the search's filters, counted up to 10,000 (MAX_COUNT)",
    request: countAccountsRequest,
    response: countResponse,
    errors: ["validation_failed"],
  }),
  importAccounts: defineEndpoint({
    service: "catalog",
    subject: "catalog.account.import",
    summary: "Create or update accounts from a CRM export (CSV), idempotent by external id",
    request: importAccountsRequest,
    response: importAccountsResponse,
    errors: ["validation_failed", "payload_too_large"],
  }),
  createProduct: defineEndpoint({
    service: "catalog",
    subject: "catalog.product.create",
    summary: "Add a product to the catalog",
    request: createProductRequest,
    response: productSchema,
    errors: ["validation_failed", "already_exists"],
  }),
  updateProduct: defineEndpoint({
    service: "catalog",
    subject: "catalog.product.update",
    summary: "Change a product's modes, features, unit types or defaults",
    request: updateProductRequest,
    response: productSchema,
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  getProduct: defineEndpoint({
    service: "catalog",
    subject: "catalog.product.get",
    summary: "One product by code",
    request: productRef,
    response: productSchema,
    errors: ["validation_failed", "not_found"],
    callers: ["gateway", "issuer"],
  }),
  listProducts: defineEndpoint({
    service: "catalog",
    subject: "catalog.product.list",
    summary: "Every product, by code",
    request: z.strictObject({}),
    response: z.object({ items: z.array(productSchema) }),
    errors: [],
    callers: ["gateway", "issuer", "migration"],
  }),
  deleteProduct: defineEndpoint({
    service: "catalog",
    subject: "catalog.product.delete",
    summary: "Remove a product from the catalog (licenses already issued keep their copy)",
    request: productRef,
    response: z.object({ code: codeSchema, deleted: z.literal(true) }),
    errors: ["validation_failed", "not_found"],
  }),
};

// ---------- Events ----------

export const catalogEvents = {
  accountCreated: defineEvent("account.created", accountSchema),
  accountUpdated: defineEvent("account.updated", accountSchema),
  // 1.1: testDefaults (a reader of 1.0 payloads gets the built-in ones).
  productUpdated: defineEvent("product.updated", productSchema, { version: "1.1" }),
  productDeleted: defineEvent("product.deleted", z.object({ code: codeSchema })),
};
