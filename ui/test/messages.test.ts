import { describe, expect, it } from "vitest";
import { issuesToErrors } from "../src/kit/form.ts";
import { userMessage } from "../src/kit/messages.ts";

describe("messages for users", () => {
  it("turns the schema library's text, as the server sends it, into words for the operator", () => {
    expect(userMessage({ path: "accountId", message: "must be an id starting with acc_" })).toBe(
      "Choose an account",
    );
    expect(userMessage({ path: "products", message: "Too small: expected array to have >=1 items" })).toBe(
      "Add at least one product",
    );
    expect(userMessage({ path: "tags", message: "Too small: expected array to have >=2 items" })).toBe(
      "Add at least 2 items",
    );
    expect(userMessage({ path: "count", message: "Too big: expected number to be <=100" })).toBe(
      "At most 100",
    );
  });

  it("leaves a message it does not know (a domain rule's) as it is", () => {
    const message = "teleport is not an execution mode of collector";
    expect(userMessage({ path: "executionModes.0", message })).toBe(message);
    expect(userMessage({ path: "accountId", message: "the account is archived" })).toBe(
      "the account is archived",
    );
  });

  it("applies to every server issue placed on a form", () => {
    expect(issuesToErrors([{ path: "accountId", message: "must be an id starting with acc_" }])).toEqual({
      accountId: "Choose an account",
    });
  });
});
