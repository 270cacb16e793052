import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { isStartedMessage, type StartedMessage } from "../src/launcher.ts";

const main = resolve(import.meta.dirname, "../src/main.ts");

describe("telling the launcher a service started", () => {
  it("sends what main returned over the IPC channel once started, and still stops on SIGTERM", async () => {
    const script = `
      import { runUntilSignal } from ${JSON.stringify(main)};
      await runUntilSignal(async () => {
        const alive = setInterval(() => {}, 60_000); // what a service's server or connection does
        return {
          stop: async () => clearInterval(alive),
          graceSeconds: 5,
          started: { listening: "http://127.0.0.1:1234", details: { note: "hello" } },
        };
      });`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let printed = "";
    child.stdout?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const message = await new Promise<StartedMessage>((done, fail) => {
      child.on("message", (m) => (isStartedMessage(m) ? done(m) : fail(new Error(JSON.stringify(m)))));
      child.on("exit", (code) => fail(new Error(`exited with ${code}: ${printed}`)));
    });
    expect(message).toEqual({
      type: "licensing/started",
      listening: "http://127.0.0.1:1234",
      details: { note: "hello" },
    });
    // Nothing went through the output: the message does not depend on any log.
    expect(printed).toBe("");
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("exits with status 1 when stopping outlasts the grace period", async () => {
    const script = `
      import { runUntilSignal } from ${JSON.stringify(main)};
      await runUntilSignal(async () => {
        setInterval(() => {}, 60_000); // what a service's server or connection does
        return { stop: () => new Promise(() => {}), graceSeconds: 1 }; // in flight for ever
      });`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let printed = "";
    child.stderr?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    await new Promise((done) => child.once("message", done));
    const exited = new Promise<number | null>((done) => child.on("exit", done));
    const signalled = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(1);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(900);
    expect(printed).toContain("SHUTDOWN_GRACE_SECONDS=1");
  });
});
