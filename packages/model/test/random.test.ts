import { describe, expect, it } from "vitest";
import { randomBytes } from "../src/index.ts";

describe("randomBytes", () => {
  it("hands out fresh bytes of the length asked, across refills of its pool", () => {
    const seen = new Set<string>();
    let total = 0;
    // 3 × 4,096 bytes in pieces that do not divide the pool: every refill boundary is crossed.
    while (total < 3 * 4096) {
      const bytes = randomBytes(29);
      expect(bytes).toHaveLength(29);
      seen.add(Buffer.from(bytes).toString("hex"));
      total += 29;
    }
    expect(seen.size).toBe(Math.ceil((3 * 4096) / 29));
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(4096)).toHaveLength(4096);
  });

  it("is roughly uniform: each byte value about as often as the others", () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 256; i++) for (const b of randomBytes(1000)) counts[b]!++;
    // 1,000 expected per value; 6 standard deviations (√1000 ≈ 32) either side.
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(190);
  });

  it("refuses a length it cannot give", () => {
    for (const length of [-1, 1.5, 4097, Number.NaN]) expect(() => randomBytes(length)).toThrow(RangeError);
  });
});
