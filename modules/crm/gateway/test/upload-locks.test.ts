// The release uploads' lock as two gateway replicas share it: two lockers on two NATS connections
// (the real server), one bucket, as tus uses them (`newLock(id).lock(signal, requestRelease)`).
import { randomBytes } from "node:crypto";
import { streamNames } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadLocks, uploadLockedRefusal, uploadLockUnreachable } from "../src/upload-locks.ts";

const ttlMs = 1_500;
let env: TestEnv;
let replicaA: UploadLocks;
let replicaB: UploadLocks;

beforeAll(async () => {
  env = await createTestEnv();
  replicaA = new UploadLocks({ nc: await env.connect("gateway"), prefix: env.prefix, ttlMs });
  replicaB = new UploadLocks({ nc: await env.connect("gateway"), prefix: env.prefix, ttlMs });
});
afterAll(() => env?.stop());

const uploadId = () => randomBytes(16).toString("hex");
const never = () => new AbortController().signal;

describe("the upload locks the gateway's replicas share", () => {
  it("asks the holder on the other replica to let go, and takes the lock once it has", async () => {
    const id = uploadId();
    const held = replicaA.newLock(id);
    let asked = 0;
    await held.lock(never(), () => {
      asked++;
      // As tus does: the holder's request stops a little later, and unlocks.
      setTimeout(() => void held.unlock(), 200);
    });
    const started = Date.now();
    const waiting = replicaB.newLock(id);
    await waiting.lock(never(), () => {});
    expect(asked).toBe(1);
    expect(Date.now() - started).toBeLessThan(ttlMs);
    await waiting.unlock();
  });

  it("gives up when the waiting request's signal aborts, and the holder keeps the lock", async () => {
    const id = uploadId();
    const held = replicaA.newLock(id);
    await held.lock(never(), () => {});
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 300);
    await expect(replicaB.newLock(id).lock(aborted.signal, () => {})).rejects.toBe(uploadLockedRefusal);
    // Still held: a third request asks again (and is not answered until it aborts in turn).
    const third = new AbortController();
    setTimeout(() => third.abort(), 300);
    await expect(replicaB.newLock(id).lock(third.signal, () => {})).rejects.toBe(uploadLockedRefusal);
    await held.unlock();
  });

  it("lets a holder's lock lapse after the TTL when its replica vanishes without unlocking", async () => {
    const id = uploadId();
    const crashing = new UploadLocks({ nc: await env.connect("gateway"), prefix: env.prefix, ttlMs });
    await crashing.newLock(id).lock(never(), () => {});
    await crashing.nc.close();
    const started = Date.now();
    const next = replicaB.newLock(id);
    await next.lock(never(), () => {});
    // Not before the TTL (less the time since the holder's last renewal), not much after it.
    expect(Date.now() - started).toBeGreaterThan(ttlMs / 2);
    expect(Date.now() - started).toBeLessThan(ttlMs + 3_000);
    await next.unlock();
  });

  it("keeps a holder's lock for longer than the TTL while it renews it", async () => {
    const id = uploadId();
    const held = replicaA.newLock(id);
    await held.lock(never(), () => {});
    await new Promise((resolve) => setTimeout(resolve, ttlMs * 2));
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 200);
    await expect(replicaB.newLock(id).lock(aborted.signal, () => {})).rejects.toBe(uploadLockedRefusal);
    await held.unlock();
  });

  it("locks different uploads independently", async () => {
    const [one, two] = [uploadId(), uploadId()];
    const first = replicaA.newLock(one);
    await first.lock(never(), () => {
      throw new Error("no one should ask for this lock");
    });
    const second = replicaB.newLock(two);
    await second.lock(never(), () => {
      throw new Error("no one should ask for this lock");
    });
    await Promise.all([first.unlock(), second.unlock()]);
  });

  it("leaves the new holder's lock alone when a former holder, or one that never held it, unlocks", async () => {
    const id = uploadId();
    const former = replicaA.newLock(id);
    let formerAsked = 0;
    await former.lock(never(), () => {
      formerAsked++;
    });
    // Its lock lapses while it stalls (here: removed under it, as the max age would).
    const kv = await new Kvm(env.nc).open(streamNames(env.prefix).uploadLocks);
    await kv.delete(id);
    const current = replicaB.newLock(id);
    await current.lock(never(), () => {});
    await former.unlock();
    await replicaA.newLock(id).unlock();
    expect((await kv.get(id))?.operation).toBe("PUT");
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 300);
    await expect(replicaA.newLock(id).lock(aborted.signal, () => {})).rejects.toBe(uploadLockedRefusal);
    await current.unlock();
    expect(formerAsked).toBe(0);
  });

  it("answers 503 when the bus cannot be reached, for the client to retry", async () => {
    const nc = await env.connect("gateway");
    const cut = new UploadLocks({ nc, prefix: env.prefix, ttlMs });
    await nc.close();
    await expect(cut.newLock(uploadId()).lock(never(), () => {})).rejects.toMatchObject({
      status_code: uploadLockUnreachable.status_code,
      body: uploadLockUnreachable.body,
    });
  });
});
