import { createAccountRequest, createProductRequest, updateAccountRequest } from "@licensing/contracts";
import { zodValidate } from "@licensing/ui/kit";
import { describe, expect, it } from "vitest";
import { emptyAccount, newContact, toCreateRequest, toUpdateRequest } from "../src/accounts/form-values.ts";
import {
  emptyProduct,
  type ProductFormValues,
  pruneDefaults,
  toCreateRequest as toCreateProduct,
} from "../src/products/form-values.ts";

describe("the account form", () => {
  const validate = zodValidate(createAccountRequest, toCreateRequest);

  it("is checked by the contract's schema, with errors on the fields' own paths", () => {
    const errors = validate({
      ...emptyAccount,
      name: "  ",
      country: "France",
      contacts: [newContact({ name: "Ann", email: "ann@", role: "" })],
    });
    expect(errors).toEqual({
      name: "Enter a name",
      country: "must be an ISO 3166-1 alpha-2 country code (e.g. FR)",
      "contacts.0.email": "must be an email address",
    });
  });

  it("sends empty optional fields as null and never the contacts' row keys", () => {
    const values = {
      ...emptyAccount,
      name: "Acme",
      salesOwner: " ",
      contacts: [newContact({ name: "Ann", email: " ann@acme.test ", role: "" })],
    };
    expect(validate(values)).toEqual({});
    expect(toCreateRequest(values)).toEqual({
      type: "customer",
      name: "Acme",
      externalId: null,
      country: null,
      salesOwner: null,
      notes: "",
      contacts: [{ name: "Ann", email: "ann@acme.test", role: "" }],
    });
  });

  it("updates only if the account is still at the version the form was loaded from", () => {
    const account = { id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK", version: 3 };
    const request = toUpdateRequest(account, { ...emptyAccount, name: "Acme", type: "prospect" });
    expect(request).toMatchObject({ id: account.id, expectedVersion: 3, name: "Acme" });
    expect(request).not.toHaveProperty("type");
    expect(updateAccountRequest.safeParse(request).success).toBe(true);
  });
});

describe("the product form", () => {
  const product: ProductFormValues = {
    ...emptyProduct,
    code: "collector",
    name: "Collector",
    executionModes: [
      { code: "online", name: "Online" },
      { code: "offline", name: "Offline" },
    ],
    customFeatures: [{ code: "export", name: "Export" }],
    unitsTypes: [{ code: "scans", name: "Scans" }],
    defaults: {
      ...emptyProduct.defaults,
      executionModes: ["online", "offline"],
      customFeatures: ["export"],
      unitsType: "scans",
    },
  };

  it("lets the defaults go of a mode, feature or units type the product no longer offers", () => {
    expect(pruneDefaults(product)).toBeNull();
    const pruned = pruneDefaults({
      ...product,
      executionModes: [{ code: "online", name: "Online" }],
      unitsTypes: [],
    });
    expect(pruned).toMatchObject({ executionModes: ["online"], customFeatures: ["export"], unitsType: null });
  });

  it("is checked by the contract's schema; an empty number is reported as such", () => {
    const validate = zodValidate(createProductRequest, toCreateProduct);
    expect(validate(product)).toEqual({});
    const errors = validate({
      ...product,
      code: "Bad Code",
      defaultNotifyDays: "",
      executionModes: [{ code: "online", name: "" }],
    });
    expect(Object.keys(errors).sort()).toEqual(["code", "defaultNotifyDays", "executionModes.0.name"]);
    expect(errors.defaultNotifyDays).toBe("Enter a number");
  });

  it("sends no end date as null and unlimited as -1", () => {
    const request = toCreateProduct({
      ...product,
      defaults: { ...product.defaults, durationDays: null, accumulatedUnits: -1, seats: "5" },
    });
    expect(request.defaults).toMatchObject({ durationDays: null, accumulatedUnits: -1, seats: 5 });
  });
});
