// A backlog larger than one upload (docs/client.md, "Fleet delegation"): uploadReceipts() sends it
// in uploads of at most MAX_RECEIPTS_PER_UPLOAD (made 10 here, so a few dozen receipts take several),
// each log's receipts in order across uploads, and forgets each upload once answered.
import { describe, expect, it, vi } from "vitest";
import { cockpit, collector, stubServer, world } from "./support/delegation.ts";

vi.mock("@licensing/contracts", async (original) => ({
  ...(await original<typeof import("@licensing/contracts")>()),
  MAX_RECEIPTS_PER_UPLOAD: 10,
}));

describe("a backlog of receipts", () => {
  it("goes in several uploads of at most MAX_RECEIPTS_PER_UPLOAD, in order, each forgotten once answered", async () => {
    const { clock, vendor } = world();
    const server = stubServer(vendor, clock);
    const authority = await cockpit({ clock, vendor, fetch: server.fetch });
    await authority.renewDelegation();
    let units = 0;
    for (const fingerprint of ["collector-01", "collector-02"]) {
      const c = collector({ clock, vendor }, fingerprint);
      const issued = await authority.issueLease({
        fingerprint,
        collectorKey: await c.machineKey(),
        product: "collector",
        executionModes: ["scan"],
        units: 1_000,
        ttlSeconds: 3600,
      });
      await c.installDelegatedLease(issued.lease, issued.certificate);
      for (let i = 1; i <= 12; i++) {
        await c.recordExecution({ units: i });
        units += i;
      }
      await authority.acceptReceipts(await c.machineKey(), await c.receipts());
    }
    await authority.recordExecution({ units: 5 });
    units += 5;
    expect(await authority.exportReceipts()).toMatchObject({ logs: [{ receipts: { length: 1 } }, {}] });

    const sent = await authority.uploadReceipts();
    expect(sent).toMatchObject({ uploads: 3, accepted: 25, units });
    const sizes = server.served.uploads.map((u) =>
      (u as { logs: { receipts: unknown[] }[] }).logs.reduce((n, l) => n + l.receipts.length, 0),
    );
    expect(sizes).toEqual([10, 10, 5]);
    expect(server.served.units).toBe(units);
    expect(await authority.exportReceipts()).toEqual({ leases: [], logs: [] });
  });
});
