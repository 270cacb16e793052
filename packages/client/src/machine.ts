import type { MachineActivationPayload } from "@licensing/contracts";
import type { License } from "@licensing/model";
import { effectiveNow, observeTime } from "./clock.ts";
import { isFresh, type ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { activationRequest, storedKeyPair } from "./offline-activation.ts";
import { type ClientState, documents, type MachineRecord } from "./state.ts";
import { verifyLicense, verifyMachineFile } from "./verify.ts";

/**
 * This machine's activation: activate, heartbeats, the machine-bound file, offline activation. The
 * state keeps the newest machine file seen and whether the activation ended; an older file, or one
 * from before the end, is refused (docs/client.md, "Activations offline").
 */
export class MachineActivation {
  readonly #ctx: ManagerContext;
  /** The machine file verified in this process, by its activation id and issue time. */
  #verified: MachineActivationPayload | undefined;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Activates this machine and stores its machine-bound file (when the server can sign one). */
  async activate(): Promise<{
    /** The machine's id on the server (`mch_…`; `act_…` for machines activated before December 2026). */
    machineId: string;
    /** @deprecated The same id under its old name: use `machineId`. */
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
    let machineFile: MachineActivationPayload | null = null;
    try {
      machineFile = await this.fetchMachineFile();
    } catch (error) {
      // The activation holds; the machine file can be fetched later (e.g. once the signer is back).
      if (!(error instanceof LicenseError) || !error.transient) throw error;
    }
    this.#heartbeatTimeoutSeconds = body.heartbeatTimeoutSeconds;
    return {
      machineId: body.activation.id,
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
    let file: string;
    try {
      ({
        body: { file },
      } = await this.#ctx.api().call<{ file: string }>("POST", "/v1/machines/file", {
        fingerprint: await this.#ctx.fingerprint(),
      }));
    } catch (error) {
      if (error instanceof LicenseError && error.code === "not_found") await this.#ended("released");
      throw error;
    }
    return this.#accept(file, true);
  }

  /**
   * Loads a machine-bound file (from an offline activation, or fetched): verifies it, checks it is
   * for this machine, not expired, not older than the newest one seen, and not from before this
   * machine's activation ended; loads the license file inside it.
   */
  loadMachineFile(text: string): Promise<MachineActivationPayload> {
    return this.#accept(text, false);
  }

  async #accept(text: string, fromServer: boolean): Promise<MachineActivationPayload> {
    const payload = verifyMachineFile(text, this.#ctx.keys);
    const fingerprint = await this.#ctx.fingerprint();
    if (payload.fingerprint !== fingerprint)
      throw new LicenseError("fingerprint_mismatch", "This machine file is for another machine");
    const fresh = fromServer && isFresh(this.#ctx, payload.issuedAt);
    await this.#ctx.state.update(async (s) => {
      const now = effectiveNow(s, this.#ctx.now());
      if (Date.parse(payload.expiresAt) <= now.getTime())
        throw new LicenseError("activation_expired", `This machine file expired on ${payload.expiresAt}`);
      const held = s.machine;
      if (held && Date.parse(payload.issuedAt) < Date.parse(held.issuedAt)) {
        throw new LicenseError(
          "activation_expired",
          `This machine file (issued ${payload.issuedAt}) is older than the one this machine holds (${held.issuedAt})`,
        );
      }
      if (held?.endedAt && !fresh && Date.parse(payload.issuedAt) <= Date.parse(held.endedAt)) {
        throw new LicenseError(
          "not_activated",
          `This machine's activation ended on ${held.endedAt} (${held.endReason}); activate it again`,
        );
      }
      await this.#ctx.state.setDocument(documents.machineFile, text);
      s.machine = recordOf(payload);
      observeTime(s, payload.issuedAt);
      if (fresh) s.lastOnlineAt = this.#ctx.now().toISOString();
    });
    this.#verified = payload;
    const current = this.#ctx.license() ?? (await this.#storedLicense());
    if (!current || current.id !== payload.licenseId || current.serial <= payload.licenseSerial)
      await this.#ctx.load(payload.licenseFile);
    return payload;
  }

  async #storedLicense(): Promise<License | undefined> {
    const stored = await this.#ctx.state.getDocument(documents.license);
    if (!stored) return undefined;
    try {
      const { file } = JSON.parse(stored) as { file: string };
      return verifyLicense(file, this.#ctx.keys, this.#ctx.licenseKey);
    } catch {
      return undefined;
    }
  }

  /** Deactivates this machine (freeing its activation) and forgets its machine file for good. */
  async deactivate(): Promise<void> {
    this.stopHeartbeats();
    try {
      await this.#ctx
        .api()
        .call("POST", "/v1/machines/deactivate", { fingerprint: await this.#ctx.fingerprint() });
    } catch (error) {
      if (!(error instanceof LicenseError) || error.code !== "not_found") throw error;
    }
    await this.#ended("deactivated");
    await this.#ctx.state.deleteDocument(documents.machineFile);
  }

  /**
   * Tells the server this machine still runs, then fetches a new machine file: once a machine
   * sends heartbeats, its file lasts only until the server would release it. A 404 means the
   * server released the machine: remembered, so the old file no longer counts.
   */
  async heartbeat(): Promise<void> {
    let timeout: number;
    try {
      const { body } = await this.#ctx
        .api()
        .call<{ heartbeatTimeoutSeconds: number }>("POST", "/v1/machines/heartbeat", {
          fingerprint: await this.#ctx.fingerprint(),
        });
      timeout = body.heartbeatTimeoutSeconds;
    } catch (error) {
      if (error instanceof LicenseError && error.code === "not_found") await this.#ended("released");
      throw error;
    }
    this.#heartbeatTimeoutSeconds = timeout;
    const held = (await this.#ctx.state.read()).machine;
    if (held && !held.endedAt && !held.offline) {
      await this.fetchMachineFile().catch((error: unknown) => {
        if (!(error instanceof LicenseError) || !error.transient) throw error;
      });
    }
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
    return activationRequest(
      await storedKeyPair(this.#ctx.state, documents.machineKey),
      this.#ctx.licenseKey,
      {
        fingerprint: await this.#ctx.fingerprint(),
        hostname: this.#ctx.platform.hostname(),
        platform: this.#ctx.platform.platform(),
      },
      this.#ctx.now(),
    );
  }

  /** Refuses unless this machine holds a valid, unended machine file for `license` at `now`. */
  async check(state: ClientState, license: License, fingerprint: string, now: Date): Promise<void> {
    const held = state.machine;
    if (!held) throw new LicenseError("not_activated", "This machine is not activated (no machine file)");
    if (held.endedAt) {
      throw new LicenseError(
        "not_activated",
        `This machine's activation ended on ${held.endedAt} (${held.endReason}); activate it again`,
      );
    }
    if (held.licenseId !== license.id)
      throw new LicenseError("not_activated", "The machine file is for another license");
    if (held.fingerprint !== fingerprint)
      throw new LicenseError("fingerprint_mismatch", "The machine file is for another machine");
    if (Date.parse(held.expiresAt) <= now.getTime())
      throw new LicenseError(
        "activation_expired",
        `The machine file expired on ${held.expiresAt}; fetch a new one`,
      );
    await this.#verifiedFile(held);
  }

  /** The signed file behind the state's record, verified once per process. */
  async #verifiedFile(held: MachineRecord): Promise<void> {
    const known = this.#verified;
    if (known && known.activationId === held.activationId && known.issuedAt === held.issuedAt) return;
    const text = await this.#ctx.state.getDocument(documents.machineFile);
    const payload = text ? verifyMachineFile(text, this.#ctx.keys) : undefined;
    if (!payload || payload.activationId !== held.activationId || payload.issuedAt !== held.issuedAt)
      throw new LicenseError("not_activated", "This machine's machine file is missing; fetch it again");
    this.#verified = payload;
  }

  /** Remembers that this machine's activation ended. */
  #ended(reason: "released" | "deactivated"): Promise<void> {
    return this.#ctx.state.update((s) => {
      if (s.machine && !s.machine.endedAt) {
        s.machine.endedAt = effectiveNow(s, this.#ctx.now()).toISOString();
        s.machine.endReason = reason;
      }
    });
  }
}

function recordOf(payload: MachineActivationPayload): MachineRecord {
  return {
    activationId: payload.activationId,
    licenseId: payload.licenseId,
    fingerprint: payload.fingerprint,
    offline: payload.offline,
    issuedAt: payload.issuedAt,
    expiresAt: payload.expiresAt,
    endedAt: null,
    endReason: null,
  };
}
