import { describe, expect, it } from "vitest";
import { hasPrefix, idOf, newId } from "../src/index.ts";

describe("machine ids", () => {
  it("are issued as mch_ and read as mch_ or the legacy act_", () => {
    const issued = newId("machine");
    expect(issued).toMatch(/^mch_/);
    expect(idOf("machine").safeParse(issued).success).toBe(true);
    expect(idOf("machine").safeParse("act_01JD6X8Q0V4N3ZP8E4E3W1T9QK").success).toBe(true);
    expect(hasPrefix("machine", "act_01JD6X8Q0V4N3ZP8E4E3W1T9QK")).toBe(true);
  });

  it("refuses another kind's id, naming the current prefix", () => {
    const result = idOf("machine").safeParse("lse_01JD6X8Q0V4N3ZP8E4E3W1T9QK");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("must be an id starting with mch_");
    expect(idOf("lease").safeParse("act_01JD6X8Q0V4N3ZP8E4E3W1T9QK").success).toBe(false);
  });
});
