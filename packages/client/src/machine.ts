import type { MachineActivationPayload } from "@licensing/contracts";
import type { License } from "@licensing/model";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { activationRequest, newMachineKey } from "./offline-activation.ts";
import { verifyLicense, verifyMachineFile } from "./verify.ts";

/** This machine's activation: activate, heartbeats, the machine-bound file, offline activation. */
export class MachineActivation {
  readonly #ctx: ManagerContext;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Activates this machine and stores its machine-bound file (when the server can sign one). */
  async activate(): Promise<{
    activationId: string;
    created: boolean;
    heartbeatTimeoutSeconds: number;
    machineFile: MachineActivationPayload | null;
  }> {
    const api = this.#ctx.api();
    const fingerprint = await this.#ctx.fingerprint();
    const { body } = await api.call<{
      activation: { id: string };
      created: boolean;
      heartbeatTimeoutSeconds: number;
    }>("POST", "/v1/machines", {
      fingerprint,
      hostname: this.#ctx.platform.hostname().slice(0, 255),
      platform: this.#ctx.platform.platform(),
    });
    await this.#ctx.state.update((s) => {
      s.lastOnlineAt = this.#ctx.now().toISOString();
    });
    let machineFile: MachineActivationPayload | null = null;
    try {
      machineFile = await this.fetchMachineFile();
    } catch (error) {
      // The activation holds; the machine file can be fetched later (e.g. once the signer is back).
      if (!(error instanceof LicenseError) || !error.transient) throw error;
    }
    this.#heartbeatTimeoutSeconds = body.heartbeatTimeoutSeconds;
    return {
      activationId: body.activation.id,
      created: body.created,
      heartbeatTimeoutSeconds: body.heartbeatTimeoutSeconds,
      machineFile,
    };
  }

  #heartbeatTimeoutSeconds = 600;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  /** Fetches and stores the signed machine-bound file of this machine's activation. */
  async fetchMachineFile(): Promise<MachineActivationPayload> {
    const { body } = await this.#ctx.api().call<{ file: string }>("POST", "/v1/machines/file", {
      fingerprint: await this.#ctx.fingerprint(),
    });
    return this.loadMachineFile(body.file);
  }

  /**
   * Loads a machine-bound file (from an offline activation, or fetched): verifies it, checks it is
   * for this machine and not expired, and loads the license file inside it.
   */
  async loadMachineFile(text: string): Promise<MachineActivationPayload> {
    await this.#ctx.state.load(this.#ctx.now());
    const payload = verifyMachineFile(text, this.#ctx.keys);
    const fingerprint = await this.#ctx.fingerprint();
    if (payload.fingerprint !== fingerprint)
      throw new LicenseError("fingerprint_mismatch", "This machine file is for another machine");
    if (Date.parse(payload.expiresAt) <= this.#ctx.now().getTime())
      throw new LicenseError("activation_expired", `This machine file expired on ${payload.expiresAt}`);
    const state = this.#ctx.state.current;
    const current = state.licenseFile
      ? safeVerify(() => verifyLicense(state.licenseFile!, this.#ctx.keys, this.#ctx.licenseKey))
      : undefined;
    if (!current || current.serial <= payload.licenseSerial) await this.#ctx.load(payload.licenseFile);
    await this.#ctx.state.update((s) => {
      s.machineFile = text;
    });
    return payload;
  }

  /** Deactivates this machine (freeing its activation) and forgets its machine file. */
  async deactivate(): Promise<void> {
    this.stopHeartbeats();
    await this.#ctx
      .api()
      .call("POST", "/v1/machines/deactivate", { fingerprint: await this.#ctx.fingerprint() });
    await this.#ctx.state.update((s) => {
      s.machineFile = null;
    });
  }

  /** Tells the server this machine still runs. */
  async heartbeat(): Promise<void> {
    const { body } = await this.#ctx
      .api()
      .call<{ heartbeatTimeoutSeconds: number }>("POST", "/v1/machines/heartbeat", {
        fingerprint: await this.#ctx.fingerprint(),
      });
    this.#heartbeatTimeoutSeconds = body.heartbeatTimeoutSeconds;
    await this.#ctx.state.update((s) => {
      s.lastOnlineAt = this.#ctx.now().toISOString();
    });
  }

  /**
   * Sends heartbeats every `intervalMs` (a third of the server's timeout by default) until
   * stopHeartbeats(); failures go to `onError` (a released machine should activate again).
   */
  startHeartbeats(options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): void {
    this.stopHeartbeats();
    const interval = options.intervalMs ?? Math.max(1_000, (this.#heartbeatTimeoutSeconds * 1000) / 3);
    this.#heartbeat = setInterval(() => {
      this.heartbeat().catch((error: unknown) => options.onError?.(error));
    }, interval);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  stopHeartbeats(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /**
   * For a machine that cannot reach the server: an activation request to carry to a connected
   * computer (POST /v1/offline-activations with the license key); load the answer's file with
   * loadMachineFile(). The machine's own key is made once and kept in the storage.
   */
  async createOfflineActivationRequest(): Promise<string> {
    if (!this.#ctx.licenseKey)
      throw new LicenseError("malformed_key", "An offline activation needs the license key");
    await this.#ctx.state.load(this.#ctx.now());
    if (!this.#ctx.state.current.machineKey) {
      await this.#ctx.state.update((s) => {
        s.machineKey = newMachineKey();
      });
    }
    return activationRequest(
      this.#ctx.state.current.machineKey!,
      this.#ctx.licenseKey,
      {
        fingerprint: await this.#ctx.fingerprint(),
        hostname: this.#ctx.platform.hostname(),
        platform: this.#ctx.platform.platform(),
      },
      this.#ctx.now(),
    );
  }

  check(license: License, fingerprint: string): void {
    const text = this.#ctx.state.current.machineFile;
    if (!text) throw new LicenseError("not_activated", "This machine is not activated (no machine file)");
    const payload = verifyMachineFile(text, this.#ctx.keys);
    if (payload.fingerprint !== fingerprint)
      throw new LicenseError("fingerprint_mismatch", "The machine file is for another machine");
    if (payload.licenseId !== license.id)
      throw new LicenseError("not_activated", "The machine file is for another license");
    if (Date.parse(payload.expiresAt) <= this.#ctx.now().getTime())
      throw new LicenseError(
        "activation_expired",
        `The machine file expired on ${payload.expiresAt}; fetch a new one`,
      );
  }
}

function safeVerify(verify: () => License): License | undefined {
  try {
    return verify();
  } catch {
    return undefined;
  }
}
