import type { Role } from "@licensing/contracts";
import crm from "@licensing/crm-ui";
import { describe, expect, it } from "vitest";
import type { UiModule } from "../src/kit/types.ts";
import { buildMenu } from "../src/shell/menu.ts";
import { sessionFor } from "./support/render.tsx";

const labels = (roles: Role[], module: UiModule | null = crm, active = true) =>
  Object.fromEntries(
    buildMenu(sessionFor(roles, active), module).map((section) => [
      section.title,
      section.items.map((i) => i.label),
    ]),
  );

describe("the left menu", () => {
  it("holds the CRM section and the settings for a superadmin when CRM is packaged and active", () => {
    expect(labels(["superadmin"])).toEqual({
      CRM: [
        "License generator",
        "Licenses",
        "Dashboard",
        "Usage report",
        "Customer accounts",
        "Update server",
      ],
      Settings: [
        "Activation",
        "Users",
        "Roles",
        "Notifications",
        "Signing keys",
        "Products",
        "Presets",
        "Migration",
        "Audit",
      ],
    });
  });

  it("has no CRM section, and no CRM settings, while the module is inactive", () => {
    expect(labels(["superadmin"], crm, false)).toEqual({
      Settings: ["Activation", "Users", "Roles", "Notifications", "Signing keys", "Audit"],
    });
  });

  it("has no CRM section in a build without the CRM package, even when the gateway says active", () => {
    expect(labels(["superadmin"], null, true)).toEqual({
      Settings: ["Activation", "Users", "Roles", "Notifications", "Signing keys", "Audit"],
    });
  });

  it("keeps Signing keys, the host's, in a build without the CRM package", () => {
    expect(labels(["license-admin"], null)).toEqual({ Settings: ["Signing keys"] });
    expect(labels(["viewer"], null)).toEqual({});
  });

  it("shows each role only what it may open", () => {
    expect(labels(["viewer"])).toEqual({
      CRM: ["Licenses", "Dashboard", "Usage report", "Customer accounts", "Update server"],
      Settings: ["Products", "Presets"],
    });
    expect(labels(["license-admin"]).Settings).toEqual(["Signing keys", "Products", "Presets"]);
    expect(labels(["sales"]).CRM).toContain("License generator");
    // The auditor sees the audit log and nothing else, CRM pages included.
    expect(labels(["auditor"])).toEqual({ Settings: ["Audit"] });
  });
});
