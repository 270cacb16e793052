// The gateway's own HTTP shapes (sign-in, users, modules). The CRM routes reuse the catalog's
// contracts as they are; these are the ones only the gateway answers. Requests are strict (an
// unknown member is `validation_failed` naming it), answers plain objects.
import { actions, errorCodes, idOf, roleSchema, roles, timestamp } from "@licensing/contracts";
import { z } from "zod";

/** Letters, digits and `._@+-`, 2 to 100 characters, unique regardless of case. */
export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{1,99}$/, {
    message: "must be 2 to 100 letters, digits or . _ @ + -, starting with a letter or digit",
  });

/** At least one role, each once. */
export const rolesSchema = z
  .array(roleSchema)
  .min(1, { message: `must hold at least one role (${roles.join(", ")})` })
  .transform((list) => [...new Set(list)]);

export const userSchema = z.object({
  id: idOf("user"),
  username: z.string(),
  roles: z.array(roleSchema),
  disabled: z.boolean(),
  /** Set for new users and after a reset: the user must choose a password before anything else. */
  mustChangePassword: z.boolean(),
  lastSignInAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type UserView = z.infer<typeof userSchema>;

export const sessionUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  roles: z.array(roleSchema),
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
  /** The actions the user's roles allow; the UI shows a control only when its action is here. */
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
