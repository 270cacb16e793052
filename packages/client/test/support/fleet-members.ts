// A cockpit's fleet as tests outside this package build it (the gateway's week offline, the browser
// test of the Fleet delegation tab): collectors offline on memory storage, each leased by a real
// FleetAuthority. Exported as `@licensing/client/testing`.
import {
  type DelegatedCollector,
  type FleetAuthority,
  LicenseManager,
  MemoryStorage,
  type TrustedKey,
} from "../../src/index.ts";

export interface FleetMember {
  fingerprint: string;
  collector: DelegatedCollector;
  /** The collector's own public key: the cockpit leases to it, and it signs its receipts. */
  key: string;
}

/** A collector that never reaches the distribution service: a cockpit's leases are all it runs on. */
export async function offlineCollector(options: {
  fingerprint: string;
  trustedKeys: readonly TrustedKey[];
  now?: () => Date;
}): Promise<FleetMember> {
  const collector = new LicenseManager({
    product: "collector",
    trustedKeys: options.trustedKeys,
    storage: new MemoryStorage(),
    fingerprint: options.fingerprint,
    offline: true,
    ...(options.now ? { now: options.now } : {}),
  }).delegatedCollector();
  return { fingerprint: options.fingerprint, collector, key: await collector.machineKey() };
}

/** Leases `member` a seat of `authority`'s fleet (100 units, 36 hours, as a cockpit would), and installs it. */
export async function leaseSeat(
  authority: FleetAuthority,
  member: FleetMember,
  executionModes: string[],
): Promise<void> {
  const lease = await authority.issueLease({
    fingerprint: member.fingerprint,
    collectorKey: member.key,
    product: "collector",
    executionModes,
    units: 100,
    ttlSeconds: 36 * 3600,
  });
  await member.collector.installDelegatedLease(lease.lease, lease.certificate);
}
