import type { FleetLeasePayload, MachineActivationPayload, StatusPayload } from "@licensing/contracts";
import type { License } from "@licensing/model";
import { currentPlatform } from "#platform";
import { checkLicense, checkUnits, type Requirements, unitsLeft } from "./checks.ts";
import { decisionTime, effectiveNow } from "./clock.ts";
import type { ManagerContext } from "./context.ts";
import { DelegatedCollector } from "./delegated-collector.ts";
import { LicenseError } from "./errors.ts";
import { FleetLease } from "./fleet.ts";
import { FleetAuthority } from "./fleet-authority.ts";
import { DistributionApi } from "./http.ts";
import { MachineActivation } from "./machine.ts";
import type { FetchLike, Platform } from "./platform.ts";
import { checkStanding, rememberRefusal } from "./standing.ts";
import { type ClientState, documents, StateStore } from "./state.ts";
import { type StateMac, webCryptoMac } from "./state-seal.ts";
import type { ClientStorage } from "./storage.ts";
import { type AvailableUpdate, type UpdateCheck, type UpdateQuery, Updates } from "./updates.ts";
import { type FlushResult, UsageMeter, type UsageSummary, unitsUsed } from "./usage.ts";
import { keySetOf, type TrustedKey, verifyLicense, verifyStatus } from "./verify.ts";

export interface LicenseManagerOptions {
  /** The product this code is, e.g. `collector`: the license must include it. */
  product: string;
  /**
   * Public keys to trust, pinned in the product: the license keys (GET /v1/keys) and, to check for
   * updates, the release keys (GET /v1/keys?role=release, `role: "release"`). Each verifies only its
   * own role's documents.
   */
  trustedKeys: readonly TrustedKey[];
  /** The distribution API, e.g. `https://licenses.example.com` (without /v1). Not needed offline. */
  serverUrl?: string;
  /**
   * The license key (`LK-…`), or a migrated license's legacy key (a GUID, in any spelling):
   * authenticates online calls, and (an `LK-` key) opens encrypted files.
   */
  licenseKey?: string;
  /** Where state is kept: a database in a folder per product under ~/.licensing in Node, IndexedDB in browsers. */
  storage?: ClientStorage;
  /** This machine's fingerprint (or how to compute it); a hash of the machine's identifiers by default. */
  fingerprint?: string | (() => Promise<string>);
  /** A proxy URL for every request; false for none; by default HTTPS_PROXY / HTTP_PROXY / NO_PROXY (Node). */
  proxy?: string | false;
  /** Never touch the network: verify and enforce from the files alone, queue usage. */
  offline?: boolean;
  /** How long the manager keeps working without reaching the server (online mode). Default 7 days. */
  offlineGraceMs?: number;
  /** How far the clock may be behind a time already seen (clock adjustments). Default 5 minutes. */
  clockToleranceMs?: number;
  /**
   * Online mode: how old the last signed status may be before validate() and authorizeExecution()
   * ask for a new one (also asked at once while a refusal is remembered). Default 1 hour.
   */
  statusIntervalMs?: number;
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

const minute = 60_000;

/**
 * The LicenseManager: loads a license file (or fetches it by key), verifies it offline against
 * pinned public keys, enforces product, dates, execution mode, features, fingerprint and the units
 * balance on a clock that never goes back, and remembers what the server said (a revocation, the
 * end of an activation) in an authenticated state that processes share safely. Online it activates
 * the machine, sends heartbeats, reports usage (queued with idempotency keys while offline),
 * refreshes the file, holds fleet leases. Every refusal is a LicenseError with a typed `reason`.
 */
export class LicenseManager {
  readonly #options: LicenseManagerOptions;
  readonly #platform: Platform;
  readonly #keys: Map<string, Uint8Array>;
  readonly #state: StateStore;
  readonly #now: () => Date;
  readonly #toleranceMs: number;
  #api: DistributionApi | undefined;
  #license: License | undefined;
  #fingerprint: string | undefined;
  #stateMac: Promise<StateMac> | undefined;
  readonly #machine: MachineActivation;
  readonly #fleet: FleetLease;
  readonly #usage: UsageMeter;
  readonly #updates: Updates;
  readonly #authority: FleetAuthority;
  readonly #collector: DelegatedCollector;
  #lastUpdate: AvailableUpdate | undefined;

  constructor(options: LicenseManagerOptions) {
    this.#options = options;
    this.#platform = options.platform ?? currentPlatform;
    this.#keys = keySetOf(options.trustedKeys);
    this.#now = options.now ?? (() => new Date());
    this.#toleranceMs = options.clockToleranceMs ?? 5 * minute;
    this.#state = new StateStore(
      options.storage ?? this.#platform.defaultStorage(options.product),
      () => {
        this.#stateMac ??= this.fingerprint().then((fp) =>
          this.#platform.stateMac
            ? this.#platform.stateMac(fp, options.product)
            : webCryptoMac(fp, options.product),
        );
        return this.#stateMac;
      },
      this.#now,
    );
    const ctx: ManagerContext = {
      api: () => this.#online(),
      state: this.#state,
      product: options.product,
      keys: this.#keys,
      fingerprint: () => this.fingerprint(),
      platform: this.#platform,
      now: this.#now,
      toleranceMs: this.#toleranceMs,
      licenseKey: options.licenseKey,
      license: () => this.#license,
      load: (file) => this.load(file),
    };
    this.#machine = new MachineActivation(ctx);
    this.#fleet = new FleetLease(ctx);
    this.#usage = new UsageMeter(ctx);
    this.#updates = new Updates(ctx, options.product, keySetOf(options.trustedKeys, "release"));
    this.#authority = new FleetAuthority(ctx);
    this.#collector = new DelegatedCollector(ctx);
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
    const stored = await this.#storedLicense();
    const text = file ?? stored?.file;
    if (!text)
      throw new LicenseError("no_license", "No license file: load one, or fetch it with the license key");
    const license = verifyLicense(text, this.#keys, this.#options.licenseKey);
    this.#license = license;
    if (text !== stored?.file)
      await this.#state.setDocument(documents.license, JSON.stringify({ file: text, etag: null }));
    return license;
  }

  /**
   * Checks the loaded license against `requirements` without running anything (online, it may
   * first ask the server for a signed status: see statusIntervalMs).
   */
  async validate(requirements: Requirements = {}): Promise<License> {
    const license = await this.#loaded();
    await this.#refreshStatus();
    const fingerprint = await this.fingerprint();
    await this.#state.decide((s) => this.#enforce(s, license, requirements, fingerprint, 1_000));
    return license;
  }

  /**
   * Authorizes one execution using `units`: validates the license, checks the balance, records the
   * execution and queues its report in one write (so processes sharing the state never overdraw),
   * then reports the usage (or keeps it queued while the server is unreachable, within the offline
   * grace). Throws LicenseError when the execution must not run.
   */
  async authorizeExecution(request: Requirements & { units?: number } = {}): Promise<Authorization> {
    const units = request.units ?? 0;
    checkUnits(units);
    const license = await this.#loaded();
    await this.#refreshStatus();
    const fingerprint = await this.fingerprint();
    const outcome = await this.#state.decide(async (s) => {
      await this.#enforce(s, license, request, fingerprint, 0);
      if (license.unitsPerExecution >= 0 && units > license.unitsPerExecution) {
        throw new LicenseError(
          "units_per_execution_exceeded",
          `One execution may use at most ${license.unitsPerExecution} units (asked: ${units})`,
        );
      }
      const left = unitsLeft(license, unitsUsed(s));
      if (left >= 0 && units > left) {
        throw new LicenseError("units_exhausted", `Not enough units left: ${left} remain, ${units} needed`);
      }
      const report = {
        idempotencyKey: `exe-${crypto.randomUUID()}`,
        units,
        ...(request.executionMode === undefined ? {} : { executionMode: request.executionMode }),
        at: effectiveNow(s, this.#now()).toISOString(),
      };
      s.queue.push(report);
      s.lastExecutionAt = report.at;
      return { report, remaining: unitsLeft(license, unitsUsed(s)) };
    });
    const { report } = outcome;
    const authorization = (queued: boolean, remaining: number): Authorization => ({
      units,
      reportId: report.idempotencyKey,
      queued,
      unitsRemaining: remaining,
    });
    if (!this.#isOnline()) return authorization(true, outcome.remaining);
    const flushed = await this.#usage.flush();
    if (flushed.blocked) {
      // This execution does not run: its report goes too (the earlier ones wait for the license).
      await this.#usage.withdraw(report.idempotencyKey);
      throw flushed.blocked;
    }
    const refusal = flushed.refused.find((r) => r.idempotencyKey === report.idempotencyKey);
    if (refusal) throw refusal.error;
    const state = this.#state.current;
    const queued = state.queue.some((q) => q.idempotencyKey === report.idempotencyKey);
    return authorization(queued, unitsLeft(license, unitsUsed(state)));
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
    const stored = await this.#storedLicense();
    const answer = await api.call<{ file: string; serial: number }>(
      "GET",
      "/v1/license",
      undefined,
      stored?.etag ? { "if-none-match": stored.etag } : {},
    );
    if (answer.status === 304) return { license: await this.load(), updated: false };
    const license = verifyLicense(answer.body.file, this.#keys, this.#options.licenseKey);
    const current =
      this.#license ??
      (stored
        ? safeVerify(() => verifyLicense(stored.file, this.#keys, this.#options.licenseKey))
        : undefined);
    if (current && current.id === license.id && current.serial > license.serial)
      return { license: current, updated: false };
    this.#license = license;
    await this.#state.setDocument(
      documents.license,
      JSON.stringify({ file: answer.body.file, etag: answer.headers.get("etag") }),
    );
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
   * for this machine, not expired, and not older than one already seen, and loads the license file
   * inside it.
   */
  loadMachineFile(text: string): Promise<MachineActivationPayload> {
    return this.#machine.loadMachineFile(text);
  }

  /** Deactivates this machine (freeing its activation) and forgets its machine file for good. */
  deactivate(): Promise<void> {
    return this.#machine.deactivate();
  }

  /** Tells the server this machine still runs, and fetches a machine file that lasts until its next beat is due. */
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
   * The cockpit's side of fleet delegation (docs/client.md, "Fleet delegation"): its authority key,
   * its certificate, the leases it signs for collectors, the receipts it collects and uploads.
   */
  fleetAuthority(): FleetAuthority {
    return this.#authority;
  }

  /**
   * A collector's side of fleet delegation: a delegated lease from a cockpit, verified offline, and
   * the receipts of its executions. Needs no license file.
   */
  delegatedCollector(): DelegatedCollector {
    return this.#collector;
  }

  /**
   * Asks the server for the license's standing: a signed answer that must echo a fresh nonce and
   * carry a time close to this machine's clock. It is the one answer that clears a remembered
   * suspension or revocation, restarts the offline grace, and corrects a clock that had run ahead;
   * it also brings the balance and tells whether this machine's activation still holds.
   */
  async checkStatus(): Promise<StatusPayload & { newerFile: boolean }> {
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    const fingerprint = await this.fingerprint();
    const { body } = await this.#online().call<{ document: string }>("POST", "/v1/status", {
      nonce,
      fingerprint,
    });
    const status = verifyStatus(body.document, this.#keys);
    if (status.nonce !== nonce)
      throw new LicenseError("replayed_answer", "The status answer is not for this request (a replay?)");
    const now = this.#now();
    const skew = Math.abs(Date.parse(status.at) - now.getTime());
    if (skew > this.#toleranceMs) {
      throw new LicenseError(
        "clock_mismatch",
        `This machine's clock is ${Math.round(skew / 1000)} s away from the server's`,
      );
    }
    await this.#state.update((s) => {
      s.lastOnlineAt = now.toISOString();
      // The server's signed time, close to this clock: the truth, also for a clock that ran ahead.
      s.highestTime = new Date(Math.max(now.getTime(), Date.parse(status.at))).toISOString();
      if (s.standing && (s.standing.licenseId === null || s.standing.licenseId === status.licenseId))
        s.standing = null;
      s.unitsConsumed = Math.max(s.unitsConsumed, status.unitsConsumed);
      s.balanceAt = status.at;
      const held = s.machine;
      if (status.activated === false && held && held.licenseId === status.licenseId && !held.endedAt) {
        held.endedAt = now.toISOString();
        held.endReason = "not active on the license server";
      }
    });
    return { ...status, newerFile: this.#license !== undefined && status.serial > this.#license.serial };
  }

  /**
   * "Is there an update for me?" (online): the best release this license is entitled to for this
   * machine from `currentVersion`, or why there is none. The answer is checked against the release
   * index it comes with (signed by a pinned release key, not rolled back, not expired, holding what
   * is offered); a refusal is a LicenseError (`index_rollback`, `index_expired`, `update_mismatch`,
   * `not_entitled`…).
   */
  async checkForUpdate(query: UpdateQuery): Promise<UpdateCheck> {
    const check = await this.#updates.check(query);
    this.#lastUpdate = check.update ? check.release : undefined;
    return check;
  }

  /**
   * Downloads the update found by the last checkForUpdate (or `release`) to `path` (Node): resumed
   * from `path.part` when a previous try was cut, and renamed to `path` only once its size and
   * SHA-256 are those of the signed index (`artifact_mismatch` otherwise, the part deleted).
   */
  async downloadUpdate(
    path: string,
    release?: AvailableUpdate,
  ): Promise<{ path: string; size: number; sha256: string }> {
    const chosen = release ?? this.#lastUpdate;
    if (!chosen) throw new TypeError("No update to download: checkForUpdate() found none");
    return this.#updates.download(chosen, path);
  }

  /** Whether the server answers, and how fast (through the configured proxy). */
  async checkConnectivity(): Promise<Connectivity> {
    if (!this.#isOnline()) return { online: false, latencyMs: null, error: "offline mode" };
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

  /**
   * Every offline rule, on the freshest state, in order: the clock (and the time it records), a
   * remembered refusal, the license's terms, the activation, the lease, the offline grace.
   */
  async #enforce(
    s: ClientState,
    license: License,
    requirements: Requirements,
    fingerprint: string,
    granularityMs: number,
  ): Promise<void> {
    const now = decisionTime(s, this.#now(), this.#toleranceMs, granularityMs);
    checkStanding(s, license);
    checkLicense(license, {
      product: requirements.product ?? this.#options.product,
      ...(requirements.executionMode === undefined ? {} : { executionMode: requirements.executionMode }),
      ...(requirements.features === undefined ? {} : { features: requirements.features }),
      fingerprint,
      now,
    });
    if (this.#options.requireActivation) await this.#machine.check(s, license, fingerprint, now);
    if (this.#options.requireLease) await this.#fleet.check(s, license, fingerprint, now);
    if (this.#isOnline()) this.#checkGrace(s, now);
  }

  /**
   * Online mode: asks for a signed status when the last one is older than statusIntervalMs, when a
   * refusal is remembered or an activation ended, or when the clock is behind a time seen (the
   * server's time settles it). An unreachable server leaves the decision to the state.
   */
  async #refreshStatus(): Promise<void> {
    if (!this.#isOnline()) return;
    const s = await this.#state.read();
    const now = this.#now().getTime();
    const last = s.lastOnlineAt === null ? Number.NaN : Date.parse(s.lastOnlineAt);
    const due =
      !(now - last <= (this.#options.statusIntervalMs ?? 60 * minute)) ||
      now < last ||
      s.standing !== null ||
      (s.highestTime !== null && now < Date.parse(s.highestTime) - this.#toleranceMs);
    if (!due) return;
    try {
      await this.checkStatus();
    } catch (error) {
      if (error instanceof LicenseError && error.transient) return;
      throw error;
    }
  }

  /** Online mode: refuse once the server has not answered with a signed status for the grace period. */
  #checkGrace(s: ClientState, now: Date): void {
    const grace = this.#options.offlineGraceMs ?? 7 * 86_400_000;
    if (s.lastOnlineAt === null) {
      throw new LicenseError(
        "offline_grace_expired",
        s.damagedAt
          ? `The offline state was damaged or copied from another machine (found on ${s.damagedAt}); connect to the license server to continue`
          : "This installation has never reached the license server; connect once to start",
      );
    }
    if (now.getTime() - Date.parse(s.lastOnlineAt) > grace) {
      throw new LicenseError(
        "offline_grace_expired",
        `The license server has not been reached since ${s.lastOnlineAt}; connect to continue`,
      );
    }
  }

  async #storedLicense(): Promise<{ file: string; etag: string | null } | undefined> {
    const text = await this.#state.getDocument(documents.license);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as { file: string; etag: string | null };
    } catch {
      return undefined;
    }
  }

  async #loaded(): Promise<License> {
    return this.#license ?? this.load();
  }

  #isOnline(): boolean {
    return !this.#options.offline && this.#options.serverUrl !== undefined;
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
      // A suspension or revocation is remembered before the caller hears of it.
      onRefusal: (error) =>
        this.#state.update((s) => rememberRefusal(s, error, this.#license?.id ?? null, this.#now())),
    });
    return this.#api;
  }
}

function safeVerify(verify: () => License): License | undefined {
  try {
    return verify();
  } catch {
    return undefined;
  }
}
