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

  it("reads every text as Luxon's fromFormat does, in the zone, on and around each DST change", () => {
    // The parser matches formats and looks offsets up itself; Luxon's fromFormat is the reference.
    const formats = [
      ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss"],
      ["yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss.u"],
      ["M/d/yyyy h:mm:ss a", "M/d/yyyy h:mm:ss a"],
      ["dd.MM.yyyy", "dd.MM.yyyy"],
      ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm"],
    ] as const;
    // Every 61 minutes through 1985 (each transition day, at shifting minutes), then a spread of
    // instants up to 2040; each written in the format read. Then the edges and the mistakes, in all.
    const instants: number[] = [];
    for (let t = Date.UTC(1985, 0, 1); t < Date.UTC(1986, 0, 1); t += 61 * 60_000) instants.push(t);
    for (let t = Date.UTC(1970, 0, 1); t < Date.UTC(2040, 0, 1); t += 7_919_993_000) instants.push(t);
    const edges = [
      "1969-12-31 23:59:59",
      "1900-06-01 12:00:00",
      "2099-03-08 02:30:00",
      "2024-03-31 02:30:00",
      "2024-02-30 10:00:00",
      "2024-13-01 10:00:00",
      "2024-01-01 24:00:00",
      "2024-01-01 23:60:00",
      "2024-01-01 10:00:00.5",
      "2024-01-01 10:00:00.1234567",
      "2024-01-01 10:00:00.",
      "2024-1-01 10:00:00",
      "12/31/2024 12:00:00 am",
      "12/31/2024 12:00:00 PM",
      "1/1/2024 13:00:00 PM",
      "1/1/2024 0:30:00 AM",
      "1/1/2024 1:00:00 XM",
      "31.12.1999",
      "1.12.1999",
      "2024-05-01t10:30",
      " 2024-05-01T10:30 ",
      "",
    ];
    for (const zone of ["Europe/Stockholm", "America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kathmandu"]) {
      const options = { zone, locale: "en-US" };
      for (const [format, luxon] of formats) {
        const parse = dateParser([format], zone);
        const reference = DateTime.buildFormatParser(luxon, options);
        const texts = [
          ...instants.map((t) => DateTime.fromMillis(t, { zone: "utc" }).toFormat(luxon.replace("u", "SSS"))),
          ...edges,
        ];
        for (const text of texts) {
          const expected = DateTime.fromFormatParser(text.trim(), reference, options);
          expect(parse(text), `${zone} ${format} ${text}`).toBe(
            expected.isValid ? expected.toUTC().toISO() : null,
          );
        }
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
