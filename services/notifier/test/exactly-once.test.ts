// One digest a day however many replicas run, whatever fails: three replicas racing for the
// scheduled minute, an SMTP server refusing the first attempts, a replica dying while it holds the
// day. Time is the test's clock; nothing waits for a real minute.
import { notifier } from "@licensing/contracts";
import { Svcm } from "@nats-io/services";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DigestRuns } from "../src/domain/digest-runs.ts";
import { smtpMailer } from "../src/domain/mailer.ts";
import type { TickOutcome } from "../src/domain/scheduler.ts";
import { type NotifierReplica, type Platform, patience, startPlatform } from "./notifier-harness.ts";

let platform: Platform;
let replicas: NotifierReplica[];
const minute = 60_000;

// The digest goes out at 08:00 in New York (UTC-4 in summer): 12:00Z.
beforeAll(async () => {
  platform = await startPlatform({ clock: "2031-06-01T11:00:00Z" });
  const account = await platform.account("Replica Corp");
  await platform.license(account.id, { endDate: "2031-06-20T12:00:00Z", notifyDays: 60 });
  replicas = [await platform.addNotifier(), await platform.addNotifier(), await platform.addNotifier()];
  await platform.configure({ dailyTime: "08:00", timeZone: "America/New_York" });
});
afterAll(() => platform?.stop());

const state = () => platform.env.bus.request(notifier.state, {});
const runOf = async (day: string) => (await state()).recent.find((r) => r.day === day);

/** Resolves once every replica has looked `n` more times. */
async function everyReplicaLooks(n: number): Promise<void> {
  const targets = replicas.map((r) => r.service.scheduler.ticks + n);
  await expect
    .poll(() => replicas.every((r, i) => r.service.scheduler.ticks >= targets[i]!), patience)
    .toBe(true);
}

describe("exactly once", () => {
  it("three replicas at the scheduled minute send one email", async () => {
    platform.clock.set("2031-06-02T12:00:00Z");
    // Beside their own loops, all three are also asked at once.
    const outcomes = await Promise.all(replicas.map((r) => r.service.scheduler.tick()));
    await platform.smtp.waitFor(1);
    await everyReplicaLooks(5);
    expect(platform.smtp.messages).toHaveLength(1);
    expect(outcomes.filter((o: TickOutcome) => o === "sent").length).toBeLessThanOrEqual(1);
    expect(platform.smtp.messages[0]!.parsed.subject).toBe("License expiry digest 2031-06-02: 1 expiring");
    expect(await runOf("2031-06-02")).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("retries a refused send with backoff, and delivers it once, later", async () => {
    const before = platform.smtp.messages.length;
    platform.smtp.refuseNext(2);
    platform.clock.set("2031-06-03T12:00:00Z");
    const first = await vi.waitFor(async () => {
      const run = await runOf("2031-06-03");
      expect(run?.status, "the first attempt failed").toBe("retrying");
      return run!;
    }, patience);
    expect(first).toMatchObject({ attempts: 1, nextAttemptAt: "2031-06-03T12:01:00.000Z" });
    expect(first.lastError).toMatch(/451 Try again later/);
    await everyReplicaLooks(3);
    expect(platform.smtp.messages).toHaveLength(before);
    expect((await state()).nextRunAt).toBe("2031-06-03T12:01:00.000Z");

    platform.clock.advance(minute);
    const second = await vi.waitFor(async () => {
      const run = await runOf("2031-06-03");
      expect(run, "the second attempt failed").toMatchObject({ attempts: 2, status: "retrying" });
      return run!;
    }, patience);
    // Backoff doubles: 1, 2, 4 … minutes.
    expect(second.nextAttemptAt).toBe("2031-06-03T12:03:00.000Z");

    platform.clock.advance(2 * minute);
    await platform.smtp.waitFor(before + 1);
    await everyReplicaLooks(3);
    expect(platform.smtp.refused).toBe(2);
    expect(platform.smtp.messages).toHaveLength(before + 1);
    const sent = await runOf("2031-06-03");
    expect(sent).toMatchObject({ status: "sent", attempts: 3, sentAt: "2031-06-03T12:03:00.000Z" });
    const { lastFailure } = await state();
    expect(lastFailure).toMatchObject({ day: "2031-06-03", at: "2031-06-03T12:01:00.000Z" });
  });

  it("lets another replica take over the day of one that died holding it, with the same Message-ID", async () => {
    const before = platform.smtp.messages.length;
    // A replica claims the day at its minute (before the others' clocks get there) and dies.
    const claim = await new DigestRuns(replicas[0]!.orm).claim(
      "2031-06-04",
      new Date("2031-06-04T12:00:00Z"),
      "dead-replica",
      new Date("2031-06-04T12:00:00Z"),
      10 * minute,
      { dailyTime: "08:00", timeZone: "America/New_York" },
    );
    expect(claim).toBeDefined();
    platform.clock.set("2031-06-04T12:00:00Z");
    await everyReplicaLooks(3);
    expect(platform.smtp.messages).toHaveLength(before);
    expect(await runOf("2031-06-04")).toMatchObject({ status: "sending", attempts: 1 });

    platform.clock.advance(10 * minute);
    const [mail] = (await platform.smtp.waitFor(before + 1)).slice(before);
    await everyReplicaLooks(3);
    expect(platform.smtp.messages).toHaveLength(before + 1);
    expect(mail!.parsed.messageId).toMatch(/^<expiry-digest\.2031-06-04\./);
    expect(await runOf("2031-06-04")).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("resends a send whose outcome it could not learn under the same Message-ID (the documented gap)", async () => {
    // One replica's SMTP exchange succeeds, then the replica fails before it can record it.
    const crashing = await platform.addNotifier({
      mailer: {
        async send(smtp, mail) {
          await smtpMailer.send(smtp, mail);
          throw new Error("lost the connection after the server took the message");
        },
      },
      pollMs: 3_600_000,
    });
    for (const r of replicas) await r.service.stop();
    // Its loop has looked once (nothing due) and sleeps an hour: only the test makes it act.
    await expect.poll(() => crashing.service.scheduler.ticks, patience).toBeGreaterThanOrEqual(1);
    const before = platform.smtp.messages.length;
    platform.clock.set("2031-06-05T12:00:00Z");
    expect(await crashing.service.scheduler.tick()).toBe("failed");
    platform.clock.advance(minute);
    for (const r of replicas) await r.service.start();
    const copies = (await platform.smtp.waitFor(before + 2)).slice(before);
    expect(copies.map((m) => m.parsed.messageId)).toEqual([
      copies[0]!.parsed.messageId,
      copies[0]!.parsed.messageId,
    ]);
    const run = await vi.waitFor(async () => {
      const r = await runOf("2031-06-05");
      expect(r?.status, "the resend is recorded").toBe("sent");
      return r!;
    }, patience);
    expect(run).toMatchObject({ attempts: 2 });
    // Its mailer fails every send: it must not take part in the tests after this one (a change of
    // settings wakes every replica, whatever its poll interval).
    await crashing.service.stop();
  });

  it("shows the state in $SRV.STATS", async () => {
    const stats = [];
    for await (const s of await new Svcm(platform.env.nc)
      .client({ strategy: "timer", maxWait: 1_000 })
      .stats("notifier"))
      if (s.metadata?.prefix === platform.env.prefix) stats.push(s);
    expect(stats.length).toBeGreaterThanOrEqual(3);
    const data = stats[0]!.endpoints?.[0]?.data as Record<string, unknown>;
    expect(data).toMatchObject({
      lastSentDay: "2031-06-05",
      nextRunAt: "2031-06-06T12:00:00.000Z",
      lastFailure: { day: "2031-06-05" },
    });
  });
});

describe("at most one scheduled digest per 24 hours", () => {
  const subjects = () => platform.smtp.messages.map((m) => String(m.parsed.subject));

  it("sends no second daily digest the same real day when the zone changes, then resumes", async () => {
    const before = platform.smtp.messages.length;
    // UTC+7: 08:00 there is 01:00Z. Today's (2031-06-05) already went, under New York's schedule.
    await platform.configure({ dailyTime: "08:00", timeZone: "Etc/GMT-7" });
    platform.clock.set("2031-06-07T01:00:00Z");
    await platform.smtp.waitFor(before + 1);
    expect(subjects().at(-1)).toMatch(/^License expiry digest 2031-06-07/);
    // The mail server has it; the run is recorded as sent just after. Moving the clock an hour
    // before that would expire the sender's lease, as if it had died mid-send.
    await expect.poll(async () => (await runOf("2031-06-07"))?.status, patience).toBe("sent");

    // UTC-12: at 02:00Z it is 14:00 on the 6th there, whose 08:00 (20:00Z on the 6th) has passed and
    // has no digest yet. It is not sent: one went out an hour ago.
    platform.clock.set("2031-06-07T02:00:00Z");
    await platform.configure({ dailyTime: "08:00", timeZone: "Etc/GMT+12" });
    // A replica's own timer may have looked first (then the others find the day claimed): either way,
    // nobody sends.
    const outcomes = await Promise.all(replicas.map((r) => r.service.scheduler.tick()));
    for (const outcome of outcomes) expect(["too-soon", "claimed-elsewhere"]).toContain(outcome);
    await everyReplicaLooks(3);
    expect(platform.smtp.messages).toHaveLength(before + 1);
    const skipped = await state();
    expect(skipped.waiting).toMatch(/digest of 2031-06-06 is skipped/);
    // The 7th's (20:00Z) shares its date with the digest sent at 01:00Z and comes 19 hours after it:
    // the 8th's is the next.
    expect(skipped.nextRunAt).toBe("2031-06-08T20:00:00.000Z");
    platform.clock.set("2031-06-07T20:00:00Z");
    await everyReplicaLooks(3);
    expect(platform.smtp.messages).toHaveLength(before + 1);

    platform.clock.set("2031-06-08T20:00:00Z");
    await platform.smtp.waitFor(before + 2);
    expect(subjects().at(-1)).toMatch(/^License expiry digest 2031-06-08/);
    // The next day of the same schedule goes at its time, as every day.
    platform.clock.set("2031-06-09T20:00:00Z");
    await platform.smtp.waitFor(before + 3);
    await everyReplicaLooks(3);
    expect(platform.smtp.messages).toHaveLength(before + 3);
    expect(subjects().at(-1)).toMatch(/^License expiry digest 2031-06-09/);
  });
});
