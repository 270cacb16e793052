// FileStorage (docs/client.md, "Storage"): values in state.sqlite, a row per line, each write
// changing only the rows whose lines changed. Whatever was written, a separate connection reads
// back exactly that; what another connection or a person changed is seen; a failed transaction
// leaves nothing; managers of one process and other processes wait for each other.
import { statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { databaseFile, FileStorage } from "../src/file-storage.ts";
import { stateOnDisk, temporaryDir } from "./client-harness.ts";

type Change =
  | { kind: "append" | "insert" | "replace"; at: number; line: string }
  | { kind: "remove"; at: number }
  | { kind: "rewrite"; lines: string[] }
  | { kind: "delete" };

// Few distinct lines, so values repeat lines and share runs of them, as the sealed state does.
const line = fc.oneof(
  fc.constantFrom("", "head", "mac 1", "mac 2", "x y"),
  fc.nat(40).map((n) => `report ${n}`),
);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constantFrom("append", "insert", "replace"), at: fc.nat(), line }),
  fc.record({ kind: fc.constant("remove"), at: fc.nat() }),
  fc.record({ kind: fc.constant("rewrite"), lines: fc.array(line, { minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant("delete") }),
);

function apply(lines: string[] | null, c: Change): string[] | null {
  if (c.kind === "delete") return null;
  if (c.kind === "rewrite") return c.lines;
  const next = [...(lines ?? [])];
  const at = next.length === 0 ? 0 : c.at % next.length;
  if (c.kind === "append") next.push(c.line);
  else if (c.kind === "insert") next.splice(at, 0, c.line);
  else if (c.kind === "replace") next.splice(at, 1, c.line);
  else next.splice(at, 1);
  return next.length === 0 ? [""] : next;
}

describe("FileStorage", () => {
  it("reads back exactly what was written, from its own connection and from another", async () => {
    const dir = temporaryDir();
    const storage = new FileStorage(dir, { durable: false });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 60 }), fc.boolean(), async (changes, inOne) => {
        const key = `value-${++run}`;
        let model: string[] | null = null;
        const write = async (c: Change) => {
          model = apply(model, c);
          await (model === null ? storage.delete(key) : storage.set(key, model.join("\n")));
        };
        if (inOne) {
          await storage.exclusive(async () => {
            for (const c of changes) await write(c);
          });
        } else {
          for (const c of changes) await write(c);
        }
        const expected = (model as string[] | null)?.join("\n") ?? null;
        expect(await storage.get(key)).toBe(expected);
        expect(stateOnDisk.read(dir, key)).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });

  it("sees what another connection wrote, and writes correctly after it, even over rows removed by hand", async () => {
    const dir = temporaryDir();
    const storage = new FileStorage(dir);
    await storage.set("state", "mac\nhead\nr1\nr2\nr3");
    expect(await storage.get("state")).toBe("mac\nhead\nr1\nr2\nr3");
    stateOnDisk.write(dir, "state", "mac'\nhead'\nr1\nr2\nr3\nr4");
    expect(await storage.get("state")).toBe("mac'\nhead'\nr1\nr2\nr3\nr4");
    await storage.set("state", "mac''\nhead''\nr2\nr3\nr4\nr5");
    expect(stateOnDisk.read(dir, "state")).toBe("mac''\nhead''\nr2\nr3\nr4\nr5");
    const db = new DatabaseSync(join(dir, databaseFile));
    db.prepare("DELETE FROM lines WHERE key = 'state' AND text = 'r3'").run(); // a gap in the numbering
    db.close();
    expect(await storage.get("state")).toBe("mac''\nhead''\nr2\nr4\nr5");
    await storage.set("state", "mac3\nhead3\nr2\nr4\nr5\nr6");
    expect(stateOnDisk.read(dir, "state")).toBe("mac3\nhead3\nr2\nr4\nr5\nr6");
  });

  it("keeps nothing of a transaction whose work fails, and reads the stored value after it", async () => {
    const dir = temporaryDir();
    const storage = new FileStorage(dir);
    await storage.set("state", "a\nb");
    const failing = storage.exclusive(async () => {
      await storage.set("state", "a\nb\nc");
      await storage.set("other", "x");
      throw new Error("the work failed");
    });
    await expect(failing).rejects.toThrow("the work failed");
    expect(await storage.get("state")).toBe("a\nb");
    expect(await storage.get("other")).toBeNull();
    expect(stateOnDisk.read(dir, "state")).toBe("a\nb");
  });

  it("orders the managers of one process: storages of one folder never interleave in a transaction", async () => {
    const dir = temporaryDir();
    const link = `${dir}-link`;
    symlinkSync(dir, link); // another name for the same folder: still one connection
    const storages = [new FileStorage(dir), new FileStorage(link), new FileStorage(dir)];
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        storages[i % 3]!.exclusive(async () => {
          const seen = Number((await storages[i % 3]!.get("counter")) ?? 0);
          await new Promise((resolve) => setTimeout(resolve, 1));
          await storages[i % 3]!.set("counter", String(seen + 1));
        }),
      ),
    );
    expect(stateOnDisk.read(dir, "counter")).toBe("60");
  });

  it("waits for another process's transaction, and says so when it waits too long", async () => {
    const dir = temporaryDir();
    const storage = new FileStorage(dir, { busyTimeoutMs: 200 });
    await storage.set("state", "before");
    const other = new DatabaseSync(join(dir, databaseFile));
    other.exec("BEGIN IMMEDIATE"); // as another process holding the write lock would
    const started = performance.now();
    await expect(storage.set("state", "after")).rejects.toThrow(
      /stayed locked by another process for 200 ms/,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    other.exec("ROLLBACK");
    other.close();
    await storage.set("state", "after");
    expect(stateOnDisk.read(dir, "state")).toBe("after");
  });

  it("is readable by the user only", async () => {
    const dir = temporaryDir();
    await new FileStorage(dir).set("state", "x");
    expect(statSync(join(dir, databaseFile)).mode & 0o777).toBe(0o600);
    expect(statSync(`${join(dir, databaseFile)}-wal`).mode & 0o777).toBe(0o600);
  });
});
