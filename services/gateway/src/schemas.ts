// The gateway's own HTTP shapes (sign-in, users, modules). The CRM routes reuse the catalog's
// contracts as they are; these are the ones only the gateway answers. Requests are strict (an
// unknown member is `validation_failed` naming it), answers plain objects.
import {
  actions,
  customRoleNameRule,
  errorCodes,
  idOf,
  roleDescriptionMaxLength,
  roleNameSchema,
  roles,
  timestamp,
} from "@licensing/contracts";
import { z } from "zod";

/** Letters, digits and `._@+-`, 2 to 100 characters, unique regardless of case. */
export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{1,99}$/, {
    message: "must be 2 to 100 letters, digits or . _ @ + -, starting with a letter or digit",
  });

/**
 * At least one role, each once: built-in ones or custom ones (whether a custom one exists is checked
 * when it is given: 400 naming `roles.<i>`).
 */
export const rolesSchema = z
  .array(roleNameSchema)
  .min(1, { message: `must hold at least one role (${roles.join(", ")}, or a custom one)` })
  // The roles travel in every actor assertion, whose size is bounded (bus/src/actor-assertion.ts).
  .max(20, { message: "must hold at most 20 roles" })
  .transform((list) => [...new Set(list)]);

export const userSchema = z.object({
  id: idOf("user"),
  username: z.string(),
  /** Built-in and custom role names. */
  roles: z.array(z.string()),
  disabled: z.boolean(),
  /** Set for new users and after a reset: the user must choose a password before anything else. */
  mustChangePassword: z.boolean(),
  lastSignInAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type UserView = z.infer<typeof userSchema>;

/** A user as the directory shows them to whoever reads licenses: who they are, nothing they hold. */
export const directoryEntrySchema = z.object({ id: idOf("user"), username: z.string() });
export type DirectoryEntry = z.infer<typeof directoryEntrySchema>;

/** `GET /api/users/directory`: a part of the username, and how many to answer (default and most 500). */
export const directoryQuery = z.strictObject({
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(500),
});

export const sessionUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  roles: z.array(z.string()),
  mustChangePassword: z.boolean(),
});

export const moduleStatusSchema = z.object({
  /** The module's package is installed in this deployment. */
  packaged: z.boolean(),
  /** Packaged and activated by a valid, unexpired activation license. */
  active: z.boolean(),
  activation: z
    .object({
      licenseId: z.string(),
      ownerCompany: z.string(),
      endDate: timestamp.nullable(),
      activatedAt: timestamp,
      activatedBy: z.string(),
    })
    .nullable(),
});
export type ModuleStatus = z.infer<typeof moduleStatusSchema>;

export const modulesSchema = z.object({ crm: moduleStatusSchema });
export type Modules = z.infer<typeof modulesSchema>;

export const sessionSchema = z.object({
  user: sessionUserSchema,
  /** Send it back in `X-CSRF-Token` on every state-changing request. */
  csrfToken: z.string(),
  /**
   * The actions the user's roles allow (custom roles included), as the gateway checks them; the UI
   * shows a control only when its action is here.
   */
  permissions: z.array(z.enum(actions)),
  modules: modulesSchema,
});
export type SessionView = z.infer<typeof sessionSchema>;

export const loginRequest = z.strictObject({
  username: z.string().trim().min(1, { message: "must not be empty" }).max(100),
  password: z.string().min(1, { message: "must not be empty" }).max(1024),
});

export const changePasswordRequest = z.strictObject({
  currentPassword: z.string().min(1, { message: "must not be empty" }).max(1024),
  newPassword: z.string().max(1024),
});

export const createUserRequest = z.strictObject({
  username: usernameSchema,
  roles: rolesSchema,
  /** When omitted, a temporary password is generated and returned once. */
  password: z.string().max(1024).optional(),
});

export const createUserResponse = z.object({
  user: userSchema,
  /** Only when the gateway generated the password: shown once, never stored in clear. */
  temporaryPassword: z.string().optional(),
});

export const updateUserRequest = z.strictObject({
  roles: rolesSchema.optional(),
  disabled: z.boolean().optional(),
});

export const userRef = z.strictObject({ id: idOf("user") });

/** A custom role's name (contracts' customRoleNameRule); a built-in role's name is 409 when created. */
export const customRoleNameSchema = z
  .string()
  .min(customRoleNameRule.minLength, {
    message: `must be at least ${customRoleNameRule.minLength} characters`,
  })
  .max(customRoleNameRule.maxLength, {
    message: `must be at most ${customRoleNameRule.maxLength} characters`,
  })
  .regex(customRoleNameRule.pattern, { message: customRoleNameRule.message });

const roleDescription = z
  .string()
  .trim()
  .max(roleDescriptionMaxLength, { message: `must be at most ${roleDescriptionMaxLength} characters` })
  .regex(/^[^\p{Cc}]*$/u, { message: "must be one line, without control characters" });

/** The actions of a custom role: at least one, each of the permission list, each once. */
const roleActions = z
  .array(z.enum(actions))
  .min(1, { message: "must allow at least one action" })
  .max(actions.length * 2)
  .transform((list) => [...new Set(list)]);

/** A role of the table, built-in or custom, as `GET /api/roles` lists it. */
export const roleSchema = z.object({
  name: z.string(),
  description: z.string(),
  builtIn: z.boolean(),
  /** What it allows, in the order of the permission list. */
  actions: z.array(z.enum(actions)),
  /** How many users hold it, disabled ones included. */
  users: z.number().int(),
  /** A custom role's version, for `expectedVersion`. */
  version: z.number().int().optional(),
  updatedAt: timestamp.optional(),
});
export type RoleView = z.infer<typeof roleSchema>;

export const createRoleRequest = z.strictObject({
  name: customRoleNameSchema,
  description: roleDescription.default(""),
  actions: roleActions,
});

export const updateRoleRequest = z.strictObject({
  description: roleDescription.optional(),
  actions: roleActions.optional(),
  /** The version read: a role changed since is 409 `conflict`. */
  expectedVersion: z.number().int().min(1).optional(),
});

export const roleRef = z.strictObject({ name: z.string().min(1).max(100) });

export const activationRequest = z.strictObject({
  /** The activation license file, armored text (`-----BEGIN LICENSE FILE-----`…). */
  licenseFile: z
    .string()
    .min(1, { message: "must not be empty" })
    .max(4 * 1024 * 1024),
});

/** Every error the API answers. */
export const errorBodySchema = z.object({
  code: z.enum(errorCodes as [string, ...string[]]),
  message: z.string(),
  requestId: z.string(),
  details: z
    .object({
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    })
    .catchall(z.unknown())
    .optional(),
});

export const noContent = z.undefined().describe("No content");
