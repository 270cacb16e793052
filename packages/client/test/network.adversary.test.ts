// The adversarial suite's network cases (docs/client.md, "Network cuts"): the connection to the
// server cut at every step of activation and of reporting, both before the request reaches the
// server and after the server acted but before its answer arrives (the TCP proxy of the test
// harness). Nothing is counted twice, nothing is lost, and a retry finishes the step.
import { distribution } from "@licensing/contracts";
import { type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { startTcpProxy, type TcpProxy } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStorage } from "../src/index.ts";
import { manager, reasonOf, serverBalance } from "./client-harness.ts";

let t: DistributionUnderTest;
let proxy: TcpProxy;
beforeAll(async () => {
  t = await startDistribution();
  proxy = await startTcpProxy("127.0.0.1", Number(new URL(t.url).port));
});
afterAll(async () => {
  await proxy?.close();
  await t?.stop();
});

async function activeMachines(licenseId: string): Promise<number> {
  return (await t.env.bus.request(distribution.licenseUsage, { licenseId })).activeMachines;
}

describe("the network cut at every step", () => {
  it("of activation: the request lost, the answer lost, the machine file's answer lost", async () => {
    const { licenseKey, id, file } = await t.issue({ availableActivations: 1 });
    const storage = new MemoryStorage();
    const m = await manager(t, {
      licenseKey,
      storage,
      serverUrl: `http://127.0.0.1:${proxy.port}`,
      requireActivation: true,
    });
    await m.load(file);

    await proxy.cut(); // before the request reaches the server
    expect(await reasonOf(m.activate())).toBe("network_error");
    expect(await activeMachines(id)).toBe(0);
    await proxy.restore();

    proxy.dropReplies(); // the server activates, the answer never comes
    expect(await reasonOf(m.activate())).toBe("network_error");
    expect(await activeMachines(id)).toBe(1);
    expect(await reasonOf(m.validate())).toBe("not_activated");
    await proxy.restore();
    const again = await m.activate(); // the same machine again is the same activation
    expect(again.created).toBe(false);
    expect(again.machineFile).not.toBeNull();
    expect(await activeMachines(id)).toBe(1);
    await m.validate();

    const held = (await storage.get("machine-file"))!;
    proxy.dropReplies(); // a new machine file signed, never received: the one held still counts
    expect(await reasonOf(m.fetchMachineFile())).toBe("network_error");
    expect(await storage.get("machine-file")).toBe(held);
    await m.validate();
    await proxy.restore();
    await m.fetchMachineFile();
  });

  it("of reporting: the report lost, the answer lost, the status answer lost; each counted once", async () => {
    const { licenseKey, file } = await t.issue({ availableActivations: -1, accumulatedUnits: 100 });
    const m = await manager(t, {
      licenseKey,
      storage: new MemoryStorage(),
      serverUrl: `http://127.0.0.1:${proxy.port}`,
    });
    await m.load(file);
    expect((await m.authorizeExecution({ units: 10 })).queued).toBe(false);

    await proxy.cut(); // the report never reaches the server: queued, within the offline grace
    expect((await m.authorizeExecution({ units: 10 })).queued).toBe(true);
    expect((await serverBalance(t, licenseKey)).unitsConsumed).toBe(10);
    await proxy.restore();

    proxy.dropReplies(); // the server counts it, the product never hears: still queued here
    const unheard = await m.authorizeExecution({ units: 10 });
    expect(unheard.queued).toBe(true);
    expect((await serverBalance(t, licenseKey)).unitsConsumed).toBe(20);

    expect(await reasonOf(m.checkStatus())).toBe("network_error"); // nothing learned, nothing lost
    await m.validate();
    await proxy.restore();

    const flushed = await m.flushUsage(); // sent again with the same idempotency keys
    expect(flushed).toMatchObject({ sent: 2, pending: 0 });
    expect((await serverBalance(t, licenseKey)).unitsConsumed).toBe(30);
    expect(await m.usage()).toMatchObject({ unitsConsumed: 30, queued: 0 });
    expect((await m.authorizeExecution({ units: 10 })).unitsRemaining).toBe(60);
  });
});
