import { issuer } from "@licensing/contracts";
import { benchEnv, fixed, percentile, startLicensing } from "./support.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);

/** Metadata making the payload about `bytes` (values of 2,000 characters, the most one may hold). */
function metadataOf(bytes: number): Record<string, string> {
  const metadata: Record<string, string> = {};
  const entries = Math.max(1, Math.floor(bytes / 2_012));
  const length = Math.min(2_000, bytes);
  for (let i = 0; i < entries; i++) metadata[`k${String(i).padStart(4, "0")}`] = "x".repeat(length);
  return metadata;
}

const env = await benchEnv();
try {
  const { base, bus, account, as } = await startLicensing(env, {
    distribution: { DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "0", DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "0" },
  });

  const download = (key: string) =>
    fetch(`${base}/v1/license`, { headers: { authorization: `License ${key}` } });

  async function measure(payloadBytes: number) {
    const metadata = metadataOf(payloadBytes);
    const create: number[] = [];
    const visible: number[] = [];
    const fetchMs: number[] = [];
    let fileBytes = 0;
    for (let round = -2; round < rounds; round++) {
      const t0 = performance.now();
      const created = await bus.request(
        issuer.createLicense,
        { accountId: account.id, products: ["collector"], metadata },
        as(`req_bench_${payloadBytes}_${round}`),
      );
      const t1 = performance.now();
      const { licenseKey, file } = created.licenses[0]!;
      fileBytes = file.length;
      for (;;) {
        const answer = await download(licenseKey);
        await answer.arrayBuffer();
        if (answer.status === 200) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      const t2 = performance.now();
      const answer = await download(licenseKey);
      const body = (await answer.json()) as { file: string };
      const t3 = performance.now();
      if (body.file !== file) throw new Error("distribution served another file");
      if (round < 0) continue; // warm-up
      create.push(t1 - t0);
      visible.push(t2 - t1);
      fetchMs.push(t3 - t2);
    }
    return { payloadBytes, fileBytes, create, visible, fetchMs };
  }

  const small = await measure(200);
  const large = await measure(2 * 1024 * 1024 - 8 * 1024);
  const row = (name: string, m: typeof small) => ({
    license: name,
    "file KiB": fixed(m.fileBytes / 1024, 1),
    "create p50": fixed(percentile(m.create, 50)),
    "create p99": fixed(percentile(m.create, 99)),
    "visible p50": fixed(percentile(m.visible, 50)),
    "visible p99": fixed(percentile(m.visible, 99)),
    "download p50": fixed(percentile(m.fetchMs, 50)),
    "download p99": fixed(percentile(m.fetchMs, 99)),
  });
  console.log(
    `\nCreate and download, one at a time, ${rounds} rounds each (ms; services as their own processes)`,
  );
  console.table([row("1 KiB payload (baseline)", small), row("2 MiB payload", large)]);
  const ratio = (a: number[], b: number[]) => fixed(percentile(a, 50) / percentile(b, 50), 0);
  console.log(
    `2 MiB ÷ 1 KiB at p50: create ${ratio(large.create, small.create)}×, visible ${ratio(large.visible, small.visible)}×, download ${ratio(large.fetchMs, small.fetchMs)}×`,
  );
} finally {
  await env.stop();
}
