// The shared rate-limit counts without NATS: fixed windows, what other replicas report, the key cap,
// and the reports a replica sends.
import { describe, expect, it } from "vitest";
import { encodeReports, rateLimitsReport } from "../src/http/rate-limits/gossip.ts";
import { WindowCounts } from "../src/http/rate-limits/window-counts.ts";

const windowMs = 60_000;
const windowStart = 1_800_000 * windowMs;

function counts(options: { maxKeys?: number; shared?: boolean; onShed?: () => void } = {}) {
  let time = windowStart + 1_000;
  const clock = {
    advance: (ms: number) => {
      time += ms;
    },
  };
  const tallies = new WindowCounts({
    windowMs,
    maxKeys: options.maxKeys ?? 100,
    shared: options.shared ?? true,
    now: () => time,
    ...(options.onShed ? { onShed: options.onShed } : {}),
  });
  return { tallies, clock };
}

describe("window rollover", () => {
  it("counts a key within its window and answers the time left in it", () => {
    const { tallies, clock } = counts();
    expect(tallies.add("ip:10.0.0.1")).toEqual({ current: 1, ttl: 59_000 });
    clock.advance(20_000);
    expect(tallies.add("ip:10.0.0.1")).toEqual({ current: 2, ttl: 39_000 });
    expect(tallies.read("ip:10.0.0.1")).toEqual({ current: 2, ttl: 39_000 });
    expect(tallies.add("ip:10.0.0.2").current).toBe(1);
  });

  it("starts a new window where the clock now is when it is set back, so no limit sticks for the gap", () => {
    const { tallies, clock } = counts();
    for (let i = 0; i < 5; i++) tallies.add("ip:10.0.0.1");
    clock.advance(-3_600_000);
    // The hour back would otherwise keep this window (and its 429s) for an hour and a minute.
    const again = tallies.add("ip:10.0.0.1");
    expect(again.current).toBe(1);
    expect(again.ttl).toBeGreaterThan(0);
    expect(again.ttl).toBeLessThanOrEqual(windowMs);
    // Another replica's report of the window it is in now (its clock moved too) still adds up.
    expect(tallies.addRemote(windowStart - 3_600_000, [["ip:10.0.0.1", 2]])).toBe(true);
    expect(tallies.read("ip:10.0.0.1").current).toBe(3);
  });

  it("starts every key again from 0 when the next window begins, and drops the last one's keys", () => {
    const { tallies, clock } = counts();
    for (let i = 0; i < 5; i++) tallies.add("ip:10.0.0.1");
    tallies.add("ip:10.0.0.2");
    clock.advance(59_000); // the first instant of the next window
    expect(tallies.read("ip:10.0.0.1")).toEqual({ current: 0, ttl: 0 });
    expect(tallies.size).toBe(0);
    expect(tallies.add("ip:10.0.0.1")).toEqual({ current: 1, ttl: 60_000 });
  });

  it("windows start at multiples of their length, whenever the first request comes", () => {
    const { tallies, clock } = counts();
    clock.advance(61_500);
    expect(tallies.add("k").ttl).toBe(57_500); // 62.5 s after the first window began
  });

  it("adds what other replicas counted in this window, and ignores another window's", () => {
    const { tallies, clock } = counts();
    tallies.add("key:a");
    expect(
      tallies.addRemote(windowStart, [
        ["key:a", 3],
        ["key:b", 2],
      ]),
    ).toBe(true);
    expect(tallies.add("key:a").current).toBe(5);
    expect(tallies.read("key:b").current).toBe(2);
    expect(tallies.addRemote(windowStart - windowMs, [["key:a", 50]])).toBe(false);
    expect(tallies.addRemote(windowStart + windowMs, [["key:a", 50]])).toBe(false);
    expect(tallies.read("key:a").current).toBe(5);
    clock.advance(windowMs);
    expect(tallies.addRemote(windowStart, [["key:a", 1]])).toBe(false);
    expect(tallies.read("key:a").current).toBe(0);
  });

  it("hands over only its own increments since the last report, of the current window", () => {
    const { tallies, clock } = counts();
    tallies.add("a");
    tallies.add("a");
    tallies.add("b");
    tallies.addRemote(windowStart, [["a", 10]]);
    expect(tallies.takeUnpublished()).toEqual({
      windowStart,
      counts: [
        ["a", 2],
        ["b", 1],
      ],
    });
    expect(tallies.takeUnpublished()).toBeUndefined();
    tallies.add("a");
    clock.advance(windowMs); // the increment belonged to a window that is over: no one needs it
    expect(tallies.takeUnpublished()).toBeUndefined();
  });

  it("keeps nothing to report when it counts alone", () => {
    const { tallies } = counts({ shared: false });
    tallies.add("a");
    expect(tallies.add("a").current).toBe(2);
    expect(tallies.takeUnpublished()).toBeUndefined();
  });
});

describe("key cap", () => {
  it("holds at most maxKeys keys, dropping the least recently seen and saying so", () => {
    let shed = 0;
    const { tallies } = counts({ maxKeys: 3, shared: false, onShed: () => shed++ });
    tallies.add("a");
    tallies.add("b");
    tallies.add("c");
    tallies.add("a"); // a is now the most recently seen
    tallies.add("d"); // b goes
    expect(tallies.size).toBe(3);
    expect(shed).toBe(1);
    expect(tallies.read("b").current).toBe(0);
    expect(tallies.read("a").current).toBe(2);
    tallies.addRemote(windowStart, [["e", 1]]); // c goes
    expect(shed).toBe(2);
    expect(tallies.read("c").current).toBe(0);
  });

  it("reports at most maxKeys keys per interval; the rest count only here", () => {
    let shed = 0;
    const { tallies } = counts({ maxKeys: 2, onShed: () => shed++ });
    tallies.add("a");
    tallies.add("b");
    tallies.add("c");
    expect(tallies.takeUnpublished()!.counts).toEqual([
      ["a", 1],
      ["b", 1],
    ]);
    expect(shed).toBe(2); // a from the counts, c from the report
  });

  it("does not count a new window's clearing as shedding", () => {
    let shed = 0;
    const { tallies, clock } = counts({ maxKeys: 2, onShed: () => shed++ });
    tallies.add("a");
    tallies.add("b");
    clock.advance(windowMs);
    tallies.add("c");
    expect(shed).toBe(0);
  });
});

describe("reports", () => {
  it("splits many increments into reports that each stay far below NATS' payload limit", () => {
    const counts: [string, number][] = [];
    for (let i = 0; i < 5_000; i++) counts.push([`fp:${"a".repeat(64)}:${"f".repeat(100)}-${i}`, i + 1]);
    const reports = encodeReports("replica-1", { windowStart, counts });
    expect(reports.length).toBeGreaterThan(1);
    const pairs = new Map<string, number>();
    for (const bytes of reports) {
      expect(bytes.length).toBeLessThan(128 * 1024);
      const report = rateLimitsReport.parse(JSON.parse(Buffer.from(bytes).toString()));
      expect(report).toMatchObject({ r: "replica-1", w: windowStart });
      for (const [key, count] of report.c) pairs.set(key, count);
    }
    expect(pairs).toEqual(new Map(counts));
  });
});
