import { z } from "zod";
import { accountTypeSchema, countAccountsRequest } from "./catalog.ts";
import { errorCodes } from "./errors.ts";
import { countLicensesRequest } from "./issuer.ts";
import { licenseStatusSchema } from "./license.ts";
import { idOf, timestamp } from "./schema.ts";

/**
 * Licenses one bulk request may change, at most. Each is a signed version or a state change in its
 * own transaction (a few milliseconds each), so 500 answer well inside the gateway's timeouts; the
 * UI sends larger selections in parts under one bulk id.
 */
export const MAX_BULK_ITEMS = 500;

/** What a bulk request does to each license, and the right each needs (the single action's). */
export const bulkActions = {
  renew: "license.renew",
  suspend: "license.suspend",
  reinstate: "license.reinstate",
  notice: "license.renew",
} as const;
export type BulkAction = keyof typeof bulkActions;

const reason = z.string().trim().max(1_000).optional();

/** The list's filters (no sort, cursor or page size): "every license matching these". */
export const bulkFilterSchema = countLicensesRequest;

/** Names one bulk run, chosen by the client: a repeat of the same run changes nothing twice. */
const bulkIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,100}$/, { message: "must be 8 to 100 letters, digits, - or _" });

/** What every bulk request names: the run, and the licenses (listed, or a filter). */
const target = {
  bulkId: bulkIdSchema,
  ids: z
    .array(idOf("license"))
    .min(1)
    .max(MAX_BULK_ITEMS, { message: `at most ${MAX_BULK_ITEMS} licenses a request` })
    .refine((ids) => new Set(ids).size === ids.length, { message: "lists a license twice" })
    .optional(),
  filter: bulkFilterSchema.optional(),
};

/**
 * `POST /api/licenses/bulk`: one action over listed licenses or every license a filter matches, with
 * the parameters of the single-license endpoint (without the id). `bulkId` names the run: each
 * item's idempotency key is derived from it and the license id, so sending the same request again
 * changes nothing twice.
 */
export const bulkLicenseRequest = z
  .discriminatedUnion("action", [
    z.strictObject({
      ...target,
      action: z.literal("renew"),
      params: z
        .strictObject({
          endDate: timestamp.nullable().optional(),
          extendDays: z.number().int().min(1).max(36_500).optional(),
          reason,
        })
        .refine((p) => (p.endDate === undefined) !== (p.extendDays === undefined), {
          message: "give either endDate or extendDays",
          path: ["extendDays"],
        }),
    }),
    z.strictObject({
      ...target,
      action: z.literal("suspend"),
      params: z.strictObject({
        reason: z.string().trim().min(3, { message: "must say why (at least 3 characters)" }).max(1_000),
      }),
    }),
    z.strictObject({ ...target, action: z.literal("reinstate"), params: z.strictObject({ reason }) }),
    z.strictObject({
      ...target,
      action: z.literal("notice"),
      params: z.strictObject({ notifyDays: z.number().int().min(0).max(3650).nullable(), reason }),
    }),
  ])
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
    message: "give either ids or filter",
    path: ["ids"],
  });
export type BulkLicenseRequest = z.input<typeof bulkLicenseRequest>;

/**
 * What became of one license: `done`; `refused` (the license does not allow it, e.g. a revoked one
 * cannot be renewed: sending it again will not help); `failed` (a service was unreachable or timed
 * out: sending the same bulk again retries it, and only it, safely).
 */
export const bulkItemResultSchema = z.object({
  id: z.string(),
  outcome: z.enum(["done", "refused", "failed"]),
  /** The error code of a refusal or failure. */
  code: z.enum(errorCodes as [string, ...string[]]).optional(),
  message: z.string().optional(),
  /** The license as it now is, when done. */
  status: licenseStatusSchema.optional(),
  endDate: timestamp.nullable().optional(),
  notifyDays: z.number().int().nullable().optional(),
  serial: z.number().int().optional(),
});
export type BulkItemResult = z.infer<typeof bulkItemResultSchema>;

export const bulkLicenseResponse = z.object({
  bulkId: z.string(),
  action: z.enum(Object.keys(bulkActions) as [BulkAction, ...BulkAction[]]),
  done: z.number().int(),
  refused: z.number().int(),
  failed: z.number().int(),
  items: z.array(bulkItemResultSchema),
});
export type BulkLicenseResponse = z.infer<typeof bulkLicenseResponse>;

// ---------- Accounts ----------

/**
 * What a bulk request does to each account, and the right each needs (the single action's). The
 * type changes one way only, as on an account's page: there is no way back from customer to prospect.
 */
export const bulkAccountActions = {
  promote: "account.write",
} as const;
export type BulkAccountAction = keyof typeof bulkAccountActions;

/** The search's filters (no cursor or page size): "every account matching these". */
export const bulkAccountFilterSchema = countAccountsRequest;

/**
 * `POST /api/accounts/bulk`: one action over listed accounts or every account the search's filters
 * match, at most `MAX_BULK_ITEMS` a request, each through the single-account endpoint.
 */
export const bulkAccountRequest = z
  .strictObject({
    bulkId: bulkIdSchema,
    action: z.enum(Object.keys(bulkAccountActions) as [BulkAccountAction, ...BulkAccountAction[]]),
    ids: z
      .array(idOf("account"))
      .min(1)
      .max(MAX_BULK_ITEMS, { message: `at most ${MAX_BULK_ITEMS} accounts a request` })
      .refine((ids) => new Set(ids).size === ids.length, { message: "lists an account twice" })
      .optional(),
    filter: bulkAccountFilterSchema.optional(),
  })
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), {
    message: "give either ids or filter",
    path: ["ids"],
  });
export type BulkAccountRequest = z.input<typeof bulkAccountRequest>;

/** What became of one account: `done`, `refused` or `failed`, as for licenses. */
export const bulkAccountItemResultSchema = z.object({
  id: z.string(),
  outcome: z.enum(["done", "refused", "failed"]),
  /** The error code of a refusal or failure. */
  code: z.enum(errorCodes as [string, ...string[]]).optional(),
  message: z.string().optional(),
  /** The account as it now is, when done. */
  type: accountTypeSchema.optional(),
  version: z.number().int().optional(),
});
export type BulkAccountItemResult = z.infer<typeof bulkAccountItemResultSchema>;

export const bulkAccountResponse = z.object({
  bulkId: z.string(),
  action: z.enum(Object.keys(bulkAccountActions) as [BulkAccountAction, ...BulkAccountAction[]]),
  done: z.number().int(),
  refused: z.number().int(),
  failed: z.number().int(),
  items: z.array(bulkAccountItemResultSchema),
});
export type BulkAccountResponse = z.infer<typeof bulkAccountResponse>;
