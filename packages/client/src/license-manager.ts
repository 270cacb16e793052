import type { FleetLeasePayload, MachineActivationPayload, StatusPayload } from "@licensing/contracts";
import type { License } from "@licensing/model";
import { currentPlatform } from "#platform";
import { checkLicense, type Requirements, unitsLeft } from "./checks.ts";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { FleetLease } from "./fleet.ts";
import { DistributionApi } from "./http.ts";
import { MachineActivation } from "./machine.ts";
import type { FetchLike, Platform } from "./platform.ts";
import { type ClientState, StateStore } from "./state.ts";
import type { ClientStorage } from "./storage.ts";
import { type FlushResult, UsageMeter, type UsageSummary } from "./usage.ts";
import { keySetOf, type TrustedKey, verifyLicense, verifyStatus } from "./verify.ts";

export interface LicenseManagerOptions {
  /** The product this code is, e.g. `collector`: the license must include it. */
  product: string;
  /** Public keys to trust (from GET /v1/keys, pinned in the product). */
  trustedKeys: readonly TrustedKey[];
  /** The distribution API, e.g. `https://licenses.example.com` (without /v1). Not needed offline. */
  serverUrl?: string;
  /** The license key (`LK-…`): authenticates online calls, and opens encrypted files. */
  licenseKey?: string;
  /** Where state is kept: a directory per product under ~/.licensing in Node, localStorage in browsers. */
  storage?: ClientStorage;
  /** This machine's fingerprint (or how to compute it); a hash of the machine's identifiers by default. */
  fingerprint?: string | (() => Promise<string>);
  /** A proxy URL for every request; false for none; by default HTTPS_PROXY / HTTP_PROXY / NO_PROXY (Node). */
  proxy?: string | false;
  /** Never touch the network: verify and enforce from the files alone, queue usage. */
  offline?: boolean;
  /** How long the manager keeps working without reaching the server (online mode). Default 7 days. */
  offlineGraceMs?: number;
  /** How far the clock may be behind the last execution (clock adjustments). Default 5 minutes. */
  clockToleranceMs?: number;
  /** Require an activation of this machine (a valid machine-bound file) to run. Default false. */
  requireActivation?: boolean;
  /** Require a fleet lease (collectors of a cockpit license). Default false. */
  requireLease?: boolean;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Test seams: the clock, fetch, the platform. */
  now?: () => Date;
  fetch?: FetchLike;
  platform?: Platform;
}

/** An authorized execution. */
export interface Authorization {
  units: number;
  /** The idempotency key its usage report carries (sent, or queued until the server is reachable). */
  reportId: string;
  /** True when the report is queued (offline, or the server unreachable). */
  queued: boolean;
  /** Units left after it (as far as this manager knows), -1 when unlimited. */
  unitsRemaining: number;
}

export interface Connectivity {
  online: boolean;
  latencyMs: number | null;
  error?: string;
}

/**
 * The LicenseManager: loads a license file (or fetches it by key), verifies it offline against
 * pinned public keys, enforces product, dates, execution mode, features, fingerprint and the units
 * balance, and refuses a clock set back. Online it activates the machine, sends heartbeats, reports
 * usage (queued with idempotency keys while offline), refreshes the file, holds fleet leases.
 * Every refusal is a LicenseError with a typed `reason`.
 */
export class LicenseManager {
  readonly #options: LicenseManagerOptions;
  readonly #platform: Platform;
  readonly #keys: Map<string, Uint8Array>;
  readonly #state: StateStore;
  readonly #now: () => Date;
  #api: DistributionApi | undefined;
  #license: License | undefined;
  #fingerprint: string | undefined;
  readonly #machine: MachineActivation;
  readonly #fleet: FleetLease;
  readonly #usage: UsageMeter;

  constructor(options: LicenseManagerOptions) {
    this.#options = options;
    this.#platform = options.platform ?? currentPlatform;
    this.#keys = keySetOf(options.trustedKeys);
    this.#now = options.now ?? (() => new Date());
    this.#state = new StateStore(
      options.storage ?? this.#platform.defaultStorage(options.product),
      this.#now,
    );
    const ctx: ManagerContext = {
      api: () => this.#online(),
      state: this.#state,
      keys: this.#keys,
      fingerprint: () => this.fingerprint(),
      platform: this.#platform,
      now: this.#now,
      licenseKey: options.licenseKey,
      load: (file) => this.load(file),
    };
    this.#machine = new MachineActivation(ctx);
    this.#fleet = new FleetLease(ctx);
    this.#usage = new UsageMeter(ctx);
  }

  /** The verified license, once loaded. */
  get license(): License | undefined {
    return this.#license;
  }

  /** This machine's fingerprint. */
  async fingerprint(): Promise<string> {
    if (this.#fingerprint === undefined) {
      const given = this.#options.fingerprint;
      this.#fingerprint =
        typeof given === "string" ? given : given ? await given() : await this.#platform.fingerprint();
    }
    return this.#fingerprint;
  }

  /**
   * Loads a license file (given, else the one stored) and verifies it offline. Refuses an
   * untrusted or altered file; a stored file is kept only once verified.
   */
  async load(file?: string): Promise<License> {
    const state = await this.#state.load(this.#now());
    const text = file ?? state.licenseFile;
    if (!text)
      throw new LicenseError("no_license", "No license file: load one, or fetch it with the license key");
    const license = verifyLicense(text, this.#keys, this.#options.licenseKey);
    this.#license = license;
    if (text !== state.licenseFile)
      await this.#state.update((s) => {
        s.licenseFile = text;
        s.etag = null;
      });
    return license;
  }

  /** Checks the loaded license against `requirements` without running anything. */
  async validate(requirements: Requirements = {}): Promise<License> {
    const license = await this.#loaded();
    const state = this.#state.current;
    checkLicense(license, {
      product: requirements.product ?? this.#options.product,
      ...(requirements.executionMode === undefined ? {} : { executionMode: requirements.executionMode }),
      ...(requirements.features === undefined ? {} : { features: requirements.features }),
      fingerprint: await this.fingerprint(),
      now: this.#now(),
      lastExecutionAt: state.lastExecutionAt,
      toleranceMs: this.#options.clockToleranceMs ?? 5 * 60_000,
    });
    if (this.#options.requireActivation) this.#machine.check(license, await this.fingerprint());
    if (this.#options.requireLease) await this.#fleet.check();
    this.#checkGrace();
    return license;
  }

  /**
   * Authorizes one execution using `units`: validates the license, checks the balance, records the
   * execution time, and reports the usage (or queues it while the server is unreachable, within
   * the offline grace). Throws LicenseError when the execution must not run.
   */
  async authorizeExecution(request: Requirements & { units?: number } = {}): Promise<Authorization> {
    const units = request.units ?? 0;
    if (!Number.isSafeInteger(units) || units < 0) throw new RangeError("units must be a whole number ≥ 0");
    const license = await this.validate(request);
    if (license.unitsPerExecution >= 0 && units > license.unitsPerExecution) {
      throw new LicenseError(
        "units_per_execution_exceeded",
        `One execution may use at most ${license.unitsPerExecution} units (asked: ${units})`,
      );
    }
    const left = unitsLeft(license, this.#usage.unitsUsed());
    if (left >= 0 && units > left) {
      throw new LicenseError("units_exhausted", `Not enough units left: ${left} remain, ${units} needed`);
    }
    const report = {
      idempotencyKey: `exe-${crypto.randomUUID()}`,
      units,
      ...(request.executionMode === undefined ? {} : { executionMode: request.executionMode }),
      at: this.#now().toISOString(),
    };
    await this.#usage.record(report);
    const authorization = (queued: boolean): Authorization => ({
      units,
      reportId: report.idempotencyKey,
      queued,
      unitsRemaining: unitsLeft(license, this.#usage.unitsUsed()),
    });
    if (this.#options.offline || !this.#options.serverUrl) return authorization(true);
    const flushed = await this.#usage.flush();
    if (flushed.blocked) {
      // This execution does not run: its report goes too (the earlier ones wait for the license).
      await this.#usage.withdraw(report.idempotencyKey);
      throw flushed.blocked;
    }
    const refusal = flushed.refused.find((r) => r.idempotencyKey === report.idempotencyKey);
    if (refusal) throw refusal.error;
    const queued = this.#usage.isQueued(report.idempotencyKey);
    if (queued) this.#checkGrace();
    return authorization(queued);
  }

  /**
   * Sends the queued usage reports, oldest first, each with its idempotency key (a retry is counted
   * once). Stops at the first that cannot reach the server; drops (and returns) those the server
   * refuses for good, such as units_exhausted.
   */
  flushUsage(): Promise<FlushResult> {
    return this.#usage.flush();
  }

  /** Downloads the license file by key (only when newer than the stored one), verifies and stores it. */
  async fetchLicense(): Promise<{ license: License; updated: boolean }> {
    const api = this.#online();
    const state = await this.#state.load(this.#now());
    const answer = await api.call<{ file: string; serial: number }>(
      "GET",
      "/v1/license",
      undefined,
      state.etag && state.licenseFile ? { "if-none-match": state.etag } : {},
    );
    if (answer.status === 304) return { license: await this.load(), updated: false };
    const license = verifyLicense(answer.body.file, this.#keys, this.#options.licenseKey);
    const current =
      this.#license ??
      (state.licenseFile
        ? safeVerify(() => verifyLicense(state.licenseFile!, this.#keys, this.#options.licenseKey))
        : undefined);
    if (current && current.id === license.id && current.serial > license.serial)
      return { license: current, updated: false };
    this.#license = license;
    await this.#state.update((s) => {
      s.licenseFile = answer.body.file;
      s.etag = answer.headers.get("etag");
      s.lastOnlineAt = this.#now().toISOString();
    });
    return { license, updated: !current || current.serial !== license.serial || current.id !== license.id };
  }

  /** Fetches a newer file when there is one (a renewal): the same as fetchLicense. */
  refresh(): Promise<{ license: License; updated: boolean }> {
    return this.fetchLicense();
  }

  /** Activates this machine and stores its machine-bound file (when the server can sign one). */
  activate() {
    return this.#machine.activate();
  }

  /** Fetches and stores the signed machine-bound file of this machine's activation. */
  fetchMachineFile(): Promise<MachineActivationPayload> {
    return this.#machine.fetchMachineFile();
  }

  /**
   * Loads a machine-bound file (from an offline activation, or fetched): verifies it, checks it is
   * for this machine and not expired, and loads the license file inside it.
   */
  loadMachineFile(text: string): Promise<MachineActivationPayload> {
    return this.#machine.loadMachineFile(text);
  }

  /** Deactivates this machine (freeing its activation) and forgets its machine file. */
  deactivate(): Promise<void> {
    return this.#machine.deactivate();
  }

  /** Tells the server this machine still runs. */
  heartbeat(): Promise<void> {
    return this.#machine.heartbeat();
  }

  /**
   * Sends heartbeats every `intervalMs` (a third of the server's timeout by default) until
   * stopHeartbeats(); failures go to `onError` (a released machine should activate again).
   */
  startHeartbeats(options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): void {
    this.#machine.startHeartbeats(options);
  }

  stopHeartbeats(): void {
    this.#machine.stopHeartbeats();
  }

  /**
   * For a machine that cannot reach the server: an activation request to carry to a connected
   * computer (POST /v1/offline-activations with the license key); load the answer's file with
   * loadMachineFile(). The machine's own key is made once and kept in the storage.
   */
  createOfflineActivationRequest(): Promise<string> {
    return this.#machine.createOfflineActivationRequest();
  }

  /** Acquires (or renews) a fleet seat for this collector; verifies and stores the signed lease. */
  acquireLease(): Promise<FleetLeasePayload> {
    return this.#fleet.acquireLease();
  }

  /** Renews the lease at half its life until stopLeaseRenewal() or releaseLease(). */
  startLeaseRenewal(options: { onError?: (error: unknown) => void } = {}): void {
    this.#fleet.startLeaseRenewal(options);
  }

  stopLeaseRenewal(): void {
    this.#fleet.stopLeaseRenewal();
  }

  /** Gives the seat back. */
  releaseLease(): Promise<void> {
    return this.#fleet.releaseLease();
  }

  /**
   * Asks the server for the license's standing: a signed answer that must echo a fresh nonce and
   * carry a time close to this machine's clock. Updates the balance and the last online time.
   */
  async checkStatus(): Promise<StatusPayload & { newerFile: boolean }> {
    await this.#state.load(this.#now());
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    const { body } = await this.#online().call<{ document: string }>("POST", "/v1/status", {
      nonce,
      fingerprint: await this.fingerprint(),
    });
    const status = verifyStatus(body.document, this.#keys);
    if (status.nonce !== nonce)
      throw new LicenseError("replayed_answer", "The status answer is not for this request (a replay?)");
    const skew = Math.abs(Date.parse(status.at) - this.#now().getTime());
    if (skew > (this.#options.clockToleranceMs ?? 5 * 60_000)) {
      throw new LicenseError(
        "clock_mismatch",
        `This machine's clock is ${Math.round(skew / 1000)} s away from the server's`,
      );
    }
    await this.#state.update((s) => {
      s.lastOnlineAt = this.#now().toISOString();
      s.unitsConsumed = status.unitsConsumed;
      s.balanceAt = status.at;
    });
    return { ...status, newerFile: this.#license !== undefined && status.serial > this.#license.serial };
  }

  /** Whether the server answers, and how fast (through the configured proxy). */
  async checkConnectivity(): Promise<Connectivity> {
    if (this.#options.offline || !this.#options.serverUrl)
      return { online: false, latencyMs: null, error: "offline mode" };
    const started = performance.now();
    try {
      await this.#online().call("GET", "/v1/keys");
      return { online: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return {
        online: false,
        latencyMs: null,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /** What this manager knows of the usage: the server's balance plus the reports still queued. */
  usage(): Promise<UsageSummary> {
    return this.#usage.summary();
  }

  /** Stops the background loops (heartbeats, lease renewal). */
  close(): void {
    this.stopHeartbeats();
    this.stopLeaseRenewal();
  }

  async #loaded(): Promise<License> {
    await this.#state.load(this.#now());
    return this.#license ?? this.load();
  }

  #online(): DistributionApi {
    if (this.#options.offline)
      throw new LicenseError("offline_mode", "The license manager is in offline mode");
    if (!this.#options.serverUrl) throw new LicenseError("offline_mode", "No serverUrl is configured");
    this.#api ??= new DistributionApi({
      serverUrl: this.#options.serverUrl,
      licenseKey: this.#options.licenseKey,
      fetch: this.#options.fetch ?? this.#platform.createFetch(this.#options.proxy),
      timeoutMs: this.#options.timeoutMs ?? 10_000,
    });
    return this.#api;
  }

  /** Online mode: refuse once the server has not answered for longer than the grace period. */
  #checkGrace(): void {
    if (this.#options.offline || !this.#options.serverUrl) return;
    const state: ClientState = this.#state.current;
    const since = Date.parse(state.lastOnlineAt ?? state.createdAt);
    const grace = this.#options.offlineGraceMs ?? 7 * 86_400_000;
    if (this.#now().getTime() - since > grace) {
      throw new LicenseError(
        "offline_grace_expired",
        `The license server has not been reached since ${new Date(since).toISOString()}; connect to continue`,
      );
    }
  }
}

function safeVerify(verify: () => License): License | undefined {
  try {
    return verify();
  } catch {
    return undefined;
  }
}
