import {
  type Action,
  type Actor,
  AppError,
  actionsOf,
  actions as allActions,
  builtInRoles,
  isBuiltInRole,
  type RoleDefinition,
} from "@licensing/contracts";
import { changesBetween, type EntityManager, type Orm, query, recordAudit } from "@licensing/platform";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { RoleView } from "../schemas.ts";
import { CustomRoleEntity, type CustomRoleRow } from "./entities.ts";
import type { AuditedBy } from "./users.ts";

/**
 * Serializes the changes that depend on who holds which role: user creation and role changes, and
 * the deletion of a custom role (which must not happen while a user is being given it). Taken in
 * the transaction that does the change.
 */
export async function lockUsersAndRoles(em: EntityManager): Promise<void> {
  await query(em, "select pg_advisory_xact_lock(hashtext('gateway.users'))");
}

/** How many users, disabled ones included, hold each role, by name. */
async function holders(em: EntityManager): Promise<Map<string, number>> {
  const rows = await query<{ role: string; count: string }>(
    em,
    "select role, count(*) as count from gateway.users, jsonb_array_elements_text(roles) as role group by role",
  );
  return new Map(rows.map((r) => [r.role, Number(r.count)]));
}

function toView(role: RoleDefinition, users: number, row?: CustomRoleRow): RoleView {
  return {
    name: role.name,
    description: role.description,
    builtIn: role.builtIn,
    actions: [...role.actions],
    users,
    ...(row ? { version: row.version, updatedAt: row.updatedAt.toISOString() } : {}),
  };
}

const customOf = (row: CustomRoleRow): RoleDefinition => ({
  name: row.name,
  description: row.description,
  actions: allActions.filter((a) => row.actions.includes(a)),
  builtIn: false,
});

/** Actions as a role keeps them: each once, in the order of the permission list. */
const ordered = (list: readonly Action[]): Action[] => allActions.filter((a) => list.includes(a));

/**
 * The role × action table as the gateway uses it: the built-in roles (contracts' permissions.ts) and
 * the custom ones a superadmin defined, stored here. Every check of the gateway resolves a user's roles
 * through `actionsOf`, which hands the custom ones to the same function the built-in table uses.
 */
export class Roles {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  /**
   * Every action `roleNames` allow. Only a user holding a custom role costs a query (its rows); a
   * custom role deleted meanwhile (it cannot be while assigned) allows nothing.
   */
  async actionsOf(roleNames: readonly string[], em?: EntityManager): Promise<Action[]> {
    const custom = roleNames.filter((name) => !isBuiltInRole(name));
    if (custom.length === 0) return actionsOf(roleNames);
    const rows = await (em ?? this.#orm.em.fork()).find(CustomRoleEntity, { name: { $in: custom } });
    return actionsOf(roleNames, rows);
  }

  /** Every role, built-in ones first (in their order), then custom ones by name; with holders. */
  async list(): Promise<RoleView[]> {
    const em = this.#orm.em.fork();
    const [rows, counts] = await Promise.all([
      em.find(CustomRoleEntity, {}, { orderBy: { name: "asc" } }),
      holders(em),
    ]);
    return [
      ...builtInRoles.map((role) => toView(role, counts.get(role.name) ?? 0)),
      ...rows.map((row) => toView(customOf(row), counts.get(row.name) ?? 0, row)),
    ];
  }

  async get(name: string): Promise<RoleView> {
    const em = this.#orm.em.fork();
    const counts = await holders(em);
    const builtIn = builtInRoles.find((r) => r.name === name);
    if (builtIn) return toView(builtIn, counts.get(name) ?? 0);
    const row = await em.findOne(CustomRoleEntity, { name });
    if (!row) throw AppError.notFound("Role", name);
    return toView(customOf(row), counts.get(name) ?? 0, row);
  }

  /**
   * Refuses (400 naming `roles.<i>`) a role name that is neither built in nor defined: what users
   * are given must exist. Run in the transaction that assigns them, under lockUsersAndRoles.
   */
  async checkAssignable(em: EntityManager, roleNames: readonly string[], field = "roles"): Promise<void> {
    const custom = roleNames.filter((name) => !isBuiltInRole(name));
    if (custom.length === 0) return;
    const found = new Set(
      (await em.find(CustomRoleEntity, { name: { $in: custom } }, { fields: ["name"] })).map((r) => r.name),
    );
    const issues = roleNames.flatMap((name, i) =>
      isBuiltInRole(name) || found.has(name)
        ? []
        : [{ path: `${field}.${i}`, message: `no role is named ${name}` }],
    );
    if (issues.length > 0) throw AppError.validation(issues);
  }

  async create(
    request: { name: string; description: string; actions: Action[] },
    by: AuditedBy & { actor: Actor },
  ): Promise<RoleView> {
    if (isBuiltInRole(request.name))
      throw new AppError("already_exists", `${request.name} is a built-in role`, {
        issues: [{ path: "name", message: "is the name of a built-in role" }],
      });
    mayGrant(by.actor, request.actions);
    try {
      const row = await this.#orm.em.fork().transactional(async (em) => {
        const created = em.create(CustomRoleEntity, {
          name: request.name,
          description: request.description,
          actions: ordered(request.actions),
        });
        await em.flush();
        await recordAudit(em, {
          action: "role.created",
          entityType: "role",
          entityId: created.name,
          actor: by.actor,
          ctx: { requestId: by.requestId },
          changes: { description: [null, created.description], actions: [null, created.actions] },
        });
        return created;
      });
      return toView(customOf(row), 0, row);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AppError("already_exists", `A role named ${request.name} already exists`, {
          issues: [{ path: "name", message: "is taken" }],
        });
      throw error;
    }
  }

  /**
   * Changes a custom role's description or actions (its name is its key: users hold it by name).
   * With `expectedVersion`, a role changed meanwhile is 409 `conflict`. The change holds
   * from its holders' next request: nothing of the old actions is kept in their sessions.
   */
  async update(
    name: string,
    change: {
      description?: string | undefined;
      actions?: Action[] | undefined;
      expectedVersion?: number | undefined;
    },
    by: AuditedBy & { actor: Actor },
  ): Promise<RoleView> {
    refuseBuiltIn(name, "changed");
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(CustomRoleEntity, { name });
      if (!row) throw AppError.notFound("Role", name);
      // Only what the change adds: a role may keep an action its editor does not hold.
      if (change.actions)
        mayGrant(
          by.actor,
          change.actions.filter((a) => !row.actions.includes(a)),
        );
      if (change.expectedVersion !== undefined && change.expectedVersion !== row.version)
        throw new AppError(
          "conflict",
          `Role ${name} was changed meanwhile (version ${row.version}, not ${change.expectedVersion})`,
          { currentVersion: row.version },
        );
      const before = { description: row.description, actions: row.actions };
      if (change.description !== undefined) row.description = change.description;
      if (change.actions !== undefined) row.actions = ordered(change.actions);
      const changes = changesBetween(before, { description: row.description, actions: row.actions });
      if (Object.keys(changes).length > 0) {
        await em.flush();
        await recordAudit(em, {
          action: "role.updated",
          entityType: "role",
          entityId: name,
          actor: by.actor,
          ctx: { requestId: by.requestId },
          changes,
        });
      }
      const counts = await holders(em);
      return toView(customOf(row), counts.get(name) ?? 0, row);
    });
  }

  /**
   * Deletes a custom role no user holds. While a user (disabled ones included) holds it, 409
   * `invalid_state` naming them: take the role from them first, so nobody loses rights unnoticed.
   */
  async delete(name: string, by: AuditedBy & { actor: Actor }): Promise<void> {
    refuseBuiltIn(name, "deleted");
    await this.#orm.em.fork().transactional(async (em) => {
      await lockUsersAndRoles(em);
      const row = await em.findOne(CustomRoleEntity, { name });
      if (!row) throw AppError.notFound("Role", name);
      const users = await query<{ username: string }>(
        em,
        "select username from gateway.users where roles @> jsonb_build_array($1::text) order by username_key",
        [name],
      );
      if (users.length > 0) {
        const names = users.slice(0, 5).map((u) => u.username);
        const more = users.length > names.length ? ` and ${users.length - names.length} more` : "";
        throw new AppError(
          "invalid_state",
          `Role ${name} is still held by ${users.length} user(s): ${names.join(", ")}${more}. Take it from them first.`,
          { users: users.length },
        );
      }
      em.remove(row);
      await em.flush();
      await recordAudit(em, {
        action: "role.deleted",
        entityType: "role",
        entityId: name,
        actor: by.actor,
        ctx: { requestId: by.requestId },
        changes: { description: [row.description, null], actions: [row.actions, null] },
      });
    });
  }
}

function refuseBuiltIn(name: string, what: "changed" | "deleted"): void {
  if (isBuiltInRole(name))
    throw new AppError("invalid_state", `${name} is a built-in role: it cannot be ${what}`);
}

/**
 * Nobody grants what they do not hold: a user manager whose own roles lack an action cannot put it
 * in a role, nor give a role holding it (403). Superadmins hold every action, so for them this never
 * says no; it stops a custom role with `user.manage` from growing into a superadmin.
 */
export function mayGrant(actor: Actor, granted: readonly Action[]): void {
  const held = new Set(actor.actions ?? []);
  const missing = granted.filter((action) => !held.has(action));
  if (missing.length > 0)
    throw new AppError(
      "forbidden",
      `You cannot grant what your own roles do not allow: ${missing.join(", ")}`,
    );
}
