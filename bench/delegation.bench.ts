// Fleet delegation (issue 19), each beside raw native Ed25519 verification measured in the same run:
//   (a) a collector's offline check of its lease: openDelegatedLease (certificate and lease, two
//       signatures, both schemas and the limits), per second;
//   (b) receipt chains verified and counted by the distribution service (its own process, as in
//       production): receipts/s through POST /v1/receipts in uploads of 5,000 receipts, one upload at
//       a time and two at once (issue goal ≥ 10,000 receipts/s on 2 cores).
//
//   npm run bench delegation          BENCH_UPLOADS=8 npm run bench delegation
import { createPublicKey, verify } from "node:crypto";
import { issuer } from "@licensing/contracts";
import { Cockpit, Machine } from "@licensing/distribution/cockpit";
import { ed25519, openDelegatedLease, openDelegation, signedMessage } from "@licensing/model";
import { benchEnv, fixed, startLicensing, waitFor } from "./support.ts";

const RECEIPTS_PER_UPLOAD = 5_000;
const uploads = Number(process.env.BENCH_UPLOADS ?? 8);

const env = await benchEnv();
try {
  const { base, bus, account, as } = await startLicensing(env, { accountName: "Bench Fleet" });
  const created = await bus.request(
    issuer.createLicense,
    {
      accountId: account.id,
      products: ["collector"],
      seats: 1_000,
      accumulatedUnits: -1,
      unitsPerExecution: -1,
    },
    as("req_bench_delegation"),
  );
  const license = created.licenses[0]!;
  const authorization = `License ${license.licenseKey}`;
  await waitFor(`${base}/v1/license`, { headers: { authorization } });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const cockpit = new Cockpit();
  const { certificate: certificateText } = (await post("/v1/delegations", {
    request: cockpit.request(license.license.id),
  })) as { certificate: string };
  const { keys: published } = (await (await fetch(`${base}/v1/keys`)).json()) as {
    keys: { keyId: string; publicKey: string; role: string }[];
  };
  const vendorKeys = published
    .filter((k) => k.role === "license")
    .map((k) => ({ keyId: k.keyId, publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64")) }));
  const certificate = openDelegation(certificateText, { keys: vendorKeys, now: Date.now() });

  // The raw baseline: one native Ed25519 verify of a 300-byte message.
  const pair = ed25519.generateKeyPair();
  const message = signedMessage("usage-receipt", new Uint8Array(300).fill(7));
  const signature = ed25519.sign(pair.privateKey, message);
  const keyObject = createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pair.publicKey]),
    format: "der",
    type: "spki",
  });
  const perSecond = (work: () => unknown, ms = 3_000) => {
    for (let i = 0; i < 300; i++) work();
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      for (let i = 0; i < 100; i++) work();
      count += 100;
    }
    return count / ((performance.now() - started) / 1000);
  };
  const rawVerify = (ms?: number) => perSecond(() => verify(null, message, keyObject, signature), ms);

  // (a) a collector's check of its lease.
  const collector = new Machine();
  const leaseText = cockpit.lease(certificate, collector);
  const rawA = rawVerify();
  const lease = perSecond(() =>
    openDelegatedLease(leaseText, certificateText, {
      keys: vendorKeys,
      now: Date.now(),
      fingerprint: `fp-${collector.keyId}`,
      product: "collector",
    }),
  );
  const rawA2 = rawVerify();
  const rawBaseline = (rawA + rawA2) / 2;
  console.log("\n(a) A collector's offline check of its delegated lease (same run)");
  console.table([
    {
      check: "raw native Ed25519 verify",
      "per s": fixed(rawBaseline, 0),
      "µs each": fixed(1e6 / rawBaseline, 1),
    },
    {
      check: "openDelegatedLease (2 signatures)",
      "per s": fixed(lease, 0),
      "µs each": fixed(1e6 / lease, 1),
    },
  ]);
  console.log(
    `lease ÷ raw verify: ${fixed(lease / rawBaseline, 2)}× (two verifies: 0.5× is the floor's cost)`,
  );

  // (b) receipts through the service: each upload is one collector's 5,000-receipt log and its lease.
  const prepare = () => {
    const machine = new Machine();
    const leaseId = `lease-${machine.keyId.slice(3, 15)}`;
    const text = cockpit.lease(certificate, machine, {
      leaseId,
      units: Number.MAX_SAFE_INTEGER > 1e12 ? 1e12 : 1,
    });
    for (let i = 0; i < RECEIPTS_PER_UPLOAD; i++) machine.run(license.license.id, leaseId, 1);
    return { leases: [text], logs: [machine.upload()] };
  };
  const bodies = Array.from({ length: uploads * 2 + 1 }, prepare);
  await post("/v1/receipts", bodies.pop()); // warm-up
  const timedUploads = async (batch: unknown[], together: number) => {
    const started = performance.now();
    for (let i = 0; i < batch.length; i += together) {
      const answers = await Promise.all(
        batch.slice(i, i + together).map((body) => post("/v1/receipts", body)),
      );
      for (const answer of answers)
        if (answer.accepted !== RECEIPTS_PER_UPLOAD)
          throw new Error(`not all accepted: ${JSON.stringify(answer).slice(0, 300)}`);
    }
    return (batch.length * RECEIPTS_PER_UPLOAD) / ((performance.now() - started) / 1000);
  };
  const rawB = rawVerify(1_000);
  const one = await timedUploads(bodies.slice(0, uploads), 1);
  const two = await timedUploads(bodies.slice(uploads), 2);
  const rawB2 = rawVerify(1_000);
  const rawService = (rawB + rawB2) / 2;
  console.log(
    `\n(b) Receipt chains verified and counted by the distribution service, ${uploads} uploads of ${RECEIPTS_PER_UPLOAD} per row`,
  );
  console.table([
    {
      path: "raw native Ed25519 verify (this process)",
      "receipts/s": fixed(rawService, 0),
      target: "(baseline)",
    },
    { path: "POST /v1/receipts, one upload at a time", "receipts/s": fixed(one, 0), target: "≥ 10,000/s" },
    { path: "POST /v1/receipts, two uploads at once", "receipts/s": fixed(two, 0), target: "≥ 10,000/s" },
  ]);
  console.log(
    `service ÷ raw verify: ${fixed(one / rawService, 2)}× (one at a time), ${fixed(two / rawService, 2)}× (two)`,
  );
} finally {
  await env.stop();
}
