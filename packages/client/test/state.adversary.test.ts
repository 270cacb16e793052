// Issue 12, defect 4 and the adversarial suite's state cases (docs/client.md, "Offline state"): the
// state is sealed with a key derived from this machine's fingerprint. Truncated, edited, deleted or
// copied to another machine, it grants nothing a fresh install would not (which needs the server
// once), and keeps what restricts: the queued reports, the highest time, a remembered refusal.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStorage } from "../src/platform-node.ts";
import { storageKeys } from "../src/state.ts";
import {
  manager,
  reasonOf,
  serverBalance,
  stateOnDisk,
  temporaryDir,
  unreachable,
} from "./client-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

/** A machine that reached the server once, then ran 3 executions of 5 units with the network cut. */
async function machineWithQueue(fingerprint: string) {
  const { licenseKey } = await t.issue({ accumulatedUnits: 1_000, unitsPerExecution: 100 });
  const dir = temporaryDir();
  const online = await manager(t, { licenseKey, storage: new FileStorage(dir), fingerprint });
  await online.fetchLicense();
  await online.activate();
  const offline = await manager(t, {
    licenseKey,
    storage: new FileStorage(dir),
    fingerprint,
    serverUrl: unreachable,
  });
  for (let i = 0; i < 3; i++) expect((await offline.authorizeExecution({ units: 5 })).queued).toBe(true);
  return {
    licenseKey,
    dir,
    cutOff: (options: { fingerprint?: string; dir?: string } = {}) =>
      manager(t, {
        licenseKey,
        storage: new FileStorage(options.dir ?? dir),
        fingerprint: options.fingerprint ?? fingerprint,
        serverUrl: unreachable,
      }),
    online: (options: { fingerprint?: string; dir?: string } = {}) =>
      manager(t, {
        licenseKey,
        storage: new FileStorage(options.dir ?? dir),
        fingerprint: options.fingerprint ?? fingerprint,
      }),
  };
}

describe("a damaged state grants nothing a fresh install would not", () => {
  it("truncated: needs the server again, keeps the clock baseline and every whole queued report", async () => {
    const machine = await machineWithQueue("truncated-machine");
    const text = stateOnDisk.read(machine.dir, "state")!;
    stateOnDisk.write(machine.dir, "state", text.slice(0, -10));
    const cut = await machine.cutOff();
    expect(await reasonOf(cut.authorizeExecution({ units: 5 }))).toBe("offline_grace_expired");
    const usage = await cut.usage();
    expect(usage.queued).toBe(2); // the last line was cut: that report alone is lost
    expect(usage.queuedUnits).toBe(10);
    const setBack = await manager(t, {
      licenseKey: machine.licenseKey,
      storage: new FileStorage(machine.dir),
      fingerprint: "truncated-machine",
      offline: true,
      now: () => new Date(Date.now() - 3_600_000),
    });
    expect(await reasonOf(setBack.validate())).toBe("clock_set_back"); // the baseline survived
    // Online again: the signed status restarts the grace, and the kept reports are sent.
    const online = await machine.online();
    await online.fetchLicense();
    expect((await online.authorizeExecution({ units: 5 })).queued).toBe(false);
    expect((await serverBalance(t, machine.licenseKey)).unitsConsumed).toBe(15);
    expect(stateOnDisk.read(machine.dir, "state-damaged")).toBe(text.slice(0, -10));
  });

  it("edited: a grace stretched by hand is not believed; a remembered revocation stays", async () => {
    const machine = await machineWithQueue("edited-machine");
    const text = stateOnDisk.read(machine.dir, "state")!;
    const edited = text.replace(
      /"lastOnlineAt":"[^"]+"/,
      `"lastOnlineAt":"${new Date(Date.now() + 86_400_000).toISOString()}"`,
    );
    expect(edited).not.toBe(text);
    stateOnDisk.write(machine.dir, "state", edited);
    const cut = await machine.cutOff();
    expect(await reasonOf(cut.validate())).toBe("offline_grace_expired");
    expect((await cut.usage()).queuedUnits).toBe(15);
    const fixedUp = edited.replace(
      '"standing":null',
      '"standing":{"reason":"revoked","licenseId":null,"at":"2026-01-01T00:00:00.000Z","message":"revoked"}',
    );
    stateOnDisk.write(machine.dir, "state", fixedUp);
    expect(await reasonOf((await machine.cutOff()).validate())).toBe("revoked");
  });

  it("deleted: a fresh install, which needs the server before it runs offline", async () => {
    const machine = await machineWithQueue("deleted-machine");
    stateOnDisk.remove(machine.dir, "state");
    const cut = await machine.cutOff();
    expect(await reasonOf(cut.authorizeExecution({ units: 5 }))).toBe("offline_grace_expired");
    const online = await machine.online();
    expect((await online.authorizeExecution({ units: 5 })).queued).toBe(false);
  });

  it("copied to another machine: does not verify there, and its machine file is not that machine's", async () => {
    const machine = await machineWithQueue("original-machine");
    const copy = temporaryDir();
    cpSync(machine.dir, copy, { recursive: true });
    const elsewhere = await machine.cutOff({ dir: copy, fingerprint: "other-machine" });
    expect(await reasonOf(elsewhere.authorizeExecution({ units: 5 }))).toBe("offline_grace_expired");
    const requiring = await manager(t, {
      licenseKey: machine.licenseKey,
      storage: new FileStorage(copy),
      fingerprint: "other-machine",
      offline: true,
      requireActivation: true,
    });
    expect(await reasonOf(requiring.validate())).toBe("not_activated");
    // The original still works on its own state.
    expect((await (await machine.cutOff()).authorizeExecution({ units: 5 })).queued).toBe(true);
  });
});

describe("a state folder of the previous format (a file per key) is moved into the database", () => {
  /** What the previous FileStorage left: `<key>.json` files, its lock directory, a temporary file. */
  function filesOf(from: string, edit: (text: string) => string = (text) => text): string {
    const dir = temporaryDir();
    for (const key of storageKeys) {
      const value = stateOnDisk.read(from, key);
      if (value !== null) writeFileSync(join(dir, `${key}.json`), key === "state" ? edit(value) : value);
    }
    mkdirSync(join(dir, "state.lock"));
    writeFileSync(join(dir, "state.json.4242.7.tmp"), "cut short by a crash");
    return dir;
  }

  it("keeps its grace, queue and activation, and leaves only the database", async () => {
    const machine = await machineWithQueue("upgraded-machine");
    const dir = filesOf(machine.dir);
    const upgraded = await machine.cutOff({ dir });
    expect((await upgraded.authorizeExecution({ units: 5 })).queued).toBe(true); // the seal verified
    expect((await upgraded.usage()).queuedUnits).toBe(20);
    expect(readdirSync(dir).filter((name) => !name.startsWith("state.sqlite"))).toEqual([]);
    const requiring = await manager(t, {
      licenseKey: machine.licenseKey,
      storage: new FileStorage(dir),
      fingerprint: "upgraded-machine",
      offline: true,
      requireActivation: true,
    });
    await requiring.validate(); // the machine file came along
    expect((await (await machine.online({ dir })).flushUsage()).sent).toBe(4);
    expect((await serverBalance(t, machine.licenseKey)).unitsConsumed).toBe(20);
  });

  it("an edited file is not believed once moved: set aside, as in the database", async () => {
    const machine = await machineWithQueue("edited-file-machine");
    const later = `"lastOnlineAt":"${new Date(Date.now() + 86_400_000).toISOString()}"`;
    const edit = (text: string) => text.replace(/"lastOnlineAt":"[^"]+"/, later);
    const dir = filesOf(machine.dir, edit);
    const cut = await machine.cutOff({ dir });
    expect(await reasonOf(cut.validate())).toBe("offline_grace_expired");
    expect((await cut.usage()).queuedUnits).toBe(15);
    expect(stateOnDisk.read(dir, "state-damaged")).toBe(edit(stateOnDisk.read(machine.dir, "state")!));
  });
});
