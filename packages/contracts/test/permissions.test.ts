// The role × action table: the built-in half, custom roles joined to it, and how services judge the
// actor the gateway signed.
import { describe, expect, it } from "vitest";
import {
  actionAreas,
  actionDescriptions,
  actions,
  actionsOf,
  actorMay,
  builtInRoles,
  customRoleNameRule,
  isAllowed,
  isBuiltInRole,
  permissions,
  roles,
} from "../src/index.ts";

describe("the role × action table", () => {
  it("describes every action in words, in one of the areas", () => {
    for (const action of actions) {
      expect(actionAreas, action).toContain(actionDescriptions[action].area);
      expect(actionDescriptions[action].label.length, action).toBeGreaterThan(3);
    }
    expect(Object.keys(actionDescriptions).sort()).toEqual([...actions].sort());
  });

  it("keeps license keys and signed files from viewers: license.reveal is its own action", () => {
    expect(roles.filter((role) => isAllowed([role], "license.reveal"))).toEqual([
      "superadmin",
      "license-admin",
      "sales",
      "support",
    ]);
    expect(permissions.viewer).toContain("license.read");
    expect(permissions.viewer).not.toContain("license.reveal");
  });

  it("joins custom roles to the built-in ones, in the order of the permission list", () => {
    const custom = [{ name: "field-support", actions: ["license.create.test", "account.read"] as const }];
    expect(actionsOf(["field-support"], custom)).toEqual(["account.read", "license.create.test"]);
    expect(actionsOf(["field-support", "auditor"], custom)).toEqual([
      "account.read",
      "license.create.test",
      "audit.read",
    ]);
    // A name that is neither built in nor given allows nothing.
    expect(actionsOf(["field-support"])).toEqual([]);
    expect(isAllowed(["nobody"], "account.read", custom)).toBe(false);
    expect(builtInRoles.map((r) => r.name)).toEqual([...roles]);
    expect(roles.every(isBuiltInRole)).toBe(true);
    expect(isBuiltInRole("field-support")).toBe(false);
  });

  it("judges an actor by the actions the gateway resolved, else by its built-in roles only", () => {
    const custom = { id: "usr_1", username: "cy", roles: ["field-support"], actions: ["license.read"] };
    expect(actorMay(custom, "license.read")).toBe(true);
    expect(actorMay(custom, "license.reveal")).toBe(false);
    // The resolved list is what counts, whatever the roles' names say.
    expect(actorMay({ ...custom, roles: ["superadmin"] }, "license.import")).toBe(false);
    const { actions: _, ...unresolved } = custom;
    expect(actorMay(unresolved, "license.read")).toBe(false);
    expect(actorMay({ ...unresolved, roles: ["viewer", "field-support"] }, "license.read")).toBe(true);
    expect(actorMay({ id: "system", username: "system", roles: [] }, "license.read")).toBe(false);
  });

  it("gives custom role names a rule no built-in name needs to meet, but all would", () => {
    for (const name of ["field-support", "ab", "x9", `a${"b".repeat(39)}`])
      expect(customRoleNameRule.pattern.test(name), name).toBe(true);
    for (const name of ["-a", "a-", "A", "9a", "a b", "a_b", "é"])
      expect(customRoleNameRule.pattern.test(name), name).toBe(false);
    for (const role of roles) expect(customRoleNameRule.pattern.test(role), role).toBe(true);
  });
});
