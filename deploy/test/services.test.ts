import { describe, expect, it } from "vitest";
import { gatewayLaunch } from "../gateway-launch.ts";
import { gatewayRequiredServices, platformServices } from "../services.ts";

describe("the services npm start runs", () => {
  it("makes the gateway wait for every bus service but migration", () => {
    const bus = platformServices.filter((s) => s.kind === "bus").map((s) => s.name);
    expect(bus).toContain("migration");
    expect(gatewayRequiredServices()).toEqual(bus.filter((name) => name !== "migration"));
  });

  it("passes that list to the gateway unless the environment sets one", () => {
    const vendorKeys = { GATEWAY_VENDOR_PUBLIC_KEYS: "[]" };
    expect(gatewayLaunch("/nonexistent", ["catalog", "issuer"], vendorKeys).env).toEqual({
      GATEWAY_REQUIRED_SERVICES: "catalog,issuer",
    });
    expect(
      gatewayLaunch("/nonexistent", ["catalog"], {
        ...vendorKeys,
        GATEWAY_REQUIRED_SERVICES: "catalog,migration",
      }).env,
    ).toEqual({});
  });
});
