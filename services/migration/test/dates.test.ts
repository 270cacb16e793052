import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { checkDateFormat, dateParser, NO_DATE } from "../src/mapping/index.ts";

describe("date formats", () => {
  it("tries each format in order and reads wall-clock times in the zone, across DST", () => {
    const parse = dateParser(
      ["yyyy-MM-dd HH:mm:ss.SSS", "M/d/yyyy h:mm:ss a", "dd.MM.yyyy", "iso"],
      "Europe/Stockholm",
    );
    expect(parse("2024-01-15 13:45:00.120")).toBe("2024-01-15T12:45:00.120Z"); // CET, +01:00
    expect(parse("2024-07-15 13:45:00.000")).toBe("2024-07-15T11:45:00.000Z"); // CEST, +02:00
    expect(parse("7/9/2019 12:03:56 AM")).toBe("2019-07-08T22:03:56.000Z");
    expect(parse("7/9/2019 12:03:56 PM")).toBe("2019-07-09T10:03:56.000Z");
    expect(parse(" 31.12.1999 ")).toBe("1999-12-30T23:00:00.000Z");
    expect(parse("1965-06-01T00:00:00Z")).toBe("1965-06-01T00:00:00.000Z");
    expect(parse("2024-03-01T10:00:00.5+05:30")).toBe("2024-03-01T04:30:00.500Z");
  });

  it("reads every wall-clock time as Luxon does in the zone, on and around each DST change", () => {
    // The parser looks offsets up once a day; Luxon asking the zone itself is the reference.
    const format = "yyyy-MM-dd HH:mm:ss";
    for (const zone of ["Europe/Stockholm", "America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kathmandu"]) {
      const parse = dateParser([format], zone);
      const texts: string[] = [];
      // Every 7 minutes through 1985 (odd steps cross each transition at a different minute),
      // then a spread of instants up to 2040, and the pre-1970 and far-future edges.
      for (let t = Date.UTC(1985, 0, 1); t < Date.UTC(1986, 0, 1); t += 7 * 60_000) texts.push(wallClock(t));
      for (let t = Date.UTC(1970, 0, 1); t < Date.UTC(2040, 0, 1); t += 7_919_993_000)
        texts.push(wallClock(t));
      texts.push("1969-12-31 23:59:59", "1900-06-01 12:00:00", "2099-03-08 02:30:00", "2024-03-31 02:30:00");
      for (const text of texts) {
        const reference = DateTime.fromFormat(text, format, { zone, locale: "en-US" });
        expect(parse(text), `${zone} ${text}`).toBe(reference.isValid ? reference.toUTC().toISO() : null);
      }
    }
  });

  it("refuses impossible dates and text no format matches, and reads DateTime.MinValue as no date", () => {
    const parse = dateParser(["yyyy-MM-dd", "dd/MM/yyyy HH:mm"], "UTC");
    expect(parse("2023-02-29")).toBeNull();
    expect(parse("2024-02-29")).toBe("2024-02-29T00:00:00.000Z");
    expect(parse("31/04/2024 10:00")).toBeNull();
    // 24:00 is the end of a day (ISO 8601 allows it, Luxon reads it so): midnight of the next.
    expect(parse("01/05/2024 24:00")).toBe("2024-05-02T00:00:00.000Z");
    expect(parse("2024-5-1")).toBeNull();
    expect(parse("yesterday")).toBeNull();
    expect(parse("0001-01-01")).toBe(NO_DATE);
  });

  it("keeps quoted text literal", () => {
    expect(dateParser(["yyyy-MM-dd'T'HH:mm"], "UTC")("2024-05-01T08:30")).toBe("2024-05-01T08:30:00.000Z");
  });

  it("says what is wrong with a format", () => {
    expect(checkDateFormat("yyyy-MM-dd HH:mm")).toBeNull();
    expect(checkDateFormat("MM/yyyy")).toMatch(/needs yyyy, M or MM, and d or dd/);
    expect(checkDateFormat("yyyy-MM-dd hh:mm")).toMatch(/with a \(AM\/PM\)/);
    expect(checkDateFormat("yyyy-MM-dd dd")).toBe("the format gives the day twice");
  });
});

/** `yyyy-MM-dd HH:mm:ss` of an instant's UTC fields: a wall-clock text to read in another zone. */
function wallClock(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
