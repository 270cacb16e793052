import type {
  Account,
  IssuedLicense,
  LicenseDetail,
  LicenseUsage,
  Machine,
  Preset,
  Product,
  ProductRelease,
  ReleaseArtifact,
  ReleaseChannel,
  UsageSummary,
} from "@licensing/contracts";

export const collector: Product = {
  code: "collector",
  name: "Collector",
  executionModes: [
    { code: "scanning", name: "Scanning" },
    { code: "migration", name: "Migration" },
  ],
  customFeatures: [{ code: "csharp", name: "C#" }],
  unitsTypes: [{ code: "lines", name: "Lines of code" }],
  defaultNotifyDays: 30,
  defaults: {
    kind: "commercial",
    durationDays: 365,
    unitsType: "lines",
    accumulatedUnits: 1_000_000,
    unitsPerExecution: -1,
    availableActivations: 3,
    executionModes: ["scanning"],
    customFeatures: [],
    seats: 0,
  },
  testDefaults: { durationDays: 21, notifyDays: 5 },
  version: 1,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

export const cockpit: Product = {
  ...collector,
  code: "cockpit",
  name: "Cockpit",
  executionModes: [{ code: "fleet", name: "Fleet" }],
  customFeatures: [],
  unitsTypes: [],
  defaultNotifyDays: 60,
  defaults: { ...collector.defaults, kind: "test", durationDays: 30, executionModes: ["fleet"], seats: 10 },
};

/** The customer account that `license` belongs to. */
export const initech: Account = {
  id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  type: "customer",
  name: "Initech",
  externalId: null,
  country: null,
  contacts: [],
  salesOwner: null,
  notes: "",
  archived: false,
  version: 1,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

export const license: LicenseDetail = {
  id: "lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  keyHint: "7K3QD",
  accountId: initech.id,
  accountName: initech.name,
  kind: "commercial",
  internal: false,
  products: ["collector"],
  status: "active",
  state: "active",
  startDate: "2026-01-05T10:00:00.000Z",
  endDate: "2027-01-05T10:00:00.000Z",
  notifyDays: 30,
  seats: 0,
  availableActivations: 3,
  serial: 1,
  createdBy: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  createdByName: "alice",
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
  licenseType: "subscription",
  productFriendlyNames: ["Collector"],
  unitsType: "lines",
  accumulatedUnits: 1_000_000,
  unitsPerExecution: -1,
  fingerprint: null,
  executionModes: ["scanning"],
  customFeatures: [],
  metadata: { po: "PO-1" },
  friendlyRestrictions: [],
  ownerCompany: "Initech",
  ownerName: null,
  ownerEmail: null,
  ownerIpAddress: "192.0.2.10",
  createdAtComputer: "SALES-PC-07",
  encrypted: false,
  keyId: "k1",
  signedAt: "2026-01-05T10:00:00.000Z",
  dateIssued: "2026-01-05T10:00:00.000Z",
  stateReason: null,
  batchId: null,
  presetId: null,
};

export const issued = (overrides: Partial<LicenseDetail> = {}): IssuedLicense => ({
  license: { ...license, ...overrides },
  licenseKey: "LK-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
  file: "-----BEGIN LICENSE FILE-----\nAAAA\n-----END LICENSE FILE-----\n",
});

export const testPreset: Preset = {
  id: "pre_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  name: "30-day test",
  description: "For evaluations",
  parameters: { products: ["collector"], kind: "test", durationDays: 30 },
  version: 1,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

export const machine: Machine = {
  id: "act_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  licenseId: license.id,
  fingerprint: "4f2a9c1e-build-01",
  hostname: "build-01",
  platform: "linux-x64",
  status: "active",
  offline: false,
  activatedAt: "2026-01-06T09:00:00.000Z",
  lastSeenAt: "2026-01-09T09:00:00.000Z",
  lastHeartbeatAt: null,
  releaseAfter: null,
  endedAt: null,
  endReason: null,
};

export const usage: LicenseUsage = {
  licenseId: license.id,
  accountId: license.accountId,
  products: ["collector"],
  state: "active",
  serial: 1,
  timesDownloaded: 4,
  lastDownloadedAt: "2026-01-08T09:00:00.000Z",
  availableActivations: 3,
  activeMachines: 1,
  machines: [
    machine,
    {
      ...machine,
      id: "act_01JD6X8Q0V4N3ZP8E4E3W1T9QM",
      fingerprint: "77aa-old-laptop",
      hostname: "old-laptop",
      status: "released",
      endedAt: "2026-01-07T09:00:00.000Z",
      endReason: "no heartbeat",
    },
  ],
  balance: {
    accumulatedUnits: -1,
    unitsPerExecution: -1,
    unitsConsumed: 12_345,
    unitsRemaining: -1,
    lastUsedAt: "2026-01-09T10:00:00.000Z",
  },
  seats: 2,
  leases: [
    {
      id: "lse_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
      licenseId: license.id,
      fingerprint: "collector-fleet-01",
      hostname: "fleet-01",
      acquiredAt: "2026-01-09T09:00:00.000Z",
      renewedAt: "2026-01-09T09:30:00.000Z",
      expiresAt: "2026-01-09T09:45:00.000Z",
      releasedAt: null,
      releaseReason: null,
    },
  ],
};

export const usageSummary: UsageSummary = {
  from: "2025-12-12T00:00:00.000Z",
  to: "2026-01-11T00:00:00.000Z",
  unitsConsumed: 4_200,
  executions: 42,
  activeMachines: 7,
  leasesHeld: 2,
  daily: Array.from({ length: 30 }, (_, i) => ({
    day: new Date(Date.UTC(2025, 11, 12 + i)).toISOString().slice(0, 10),
    unitsConsumed: i === 29 ? 4_200 : 0,
    executions: i === 29 ? 42 : 0,
  })),
};

export const prospect: Account = {
  id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  type: "prospect",
  name: "Initech",
  externalId: "CRM-1",
  country: "FR",
  contacts: [{ name: "Ann", email: "ann@initech.test", role: "CTO" }],
  salesOwner: "alice",
  notes: "",
  archived: false,
  version: 1,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

/** The gateway's user directory (`GET /api/users/directory`): active users, id and username. */
export const directoryUsers = [
  { id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK", username: "alice" },
  { id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QM", username: "bob.sales" },
  { id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QN", username: "carol" },
];

export const stableChannel: ReleaseChannel = {
  code: "stable",
  name: "Stable",
  kinds: ["commercial", "test"],
  position: 0,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

export const betaChannel: ReleaseChannel = {
  ...stableChannel,
  code: "beta",
  name: "Beta",
  kinds: ["test"],
  position: 10,
};

export const msiArtifact: ReleaseArtifact = {
  id: "art_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  platform: "windows",
  arch: "x64",
  fileType: "msi",
  fileName: "collector-2.4.0-win-x64.msi",
  size: 2_500_000_000,
  sha256: "a".repeat(64),
  storageKey: "upload-1",
  createdAt: "2026-02-01T10:00:00.000Z",
};

/** A published release of `collector` with one 2.5 GB file. */
export const publishedRelease: ProductRelease = {
  id: "rel_01JD6X8Q0V4N3ZP8E4E3W1T9QA",
  product: "collector",
  version: "2.4.0",
  channel: "stable",
  notes: "## Fixed\n\n- Scans of **large** repositories",
  state: "published",
  minUpgradableFrom: "2.0.0",
  maxUpgradableFrom: null,
  artifacts: [msiArtifact],
  publishedAt: "2026-02-02T10:00:00.000Z",
  yankedAt: null,
  createdBy: "alice",
  revision: 3,
  createdAt: "2026-02-01T09:00:00.000Z",
  updatedAt: "2026-02-02T10:00:00.000Z",
};

/** A draft without files. */
export const draftRelease: ProductRelease = {
  ...publishedRelease,
  id: "rel_01JD6X8Q0V4N3ZP8E4E3W1T9QB",
  version: "2.5.0-beta.1",
  channel: "beta",
  notes: "",
  state: "draft",
  minUpgradableFrom: null,
  artifacts: [],
  publishedAt: null,
  revision: 1,
};

export const yankedRelease: ProductRelease = {
  ...publishedRelease,
  id: "rel_01JD6X8Q0V4N3ZP8E4E3W1T9QC",
  version: "2.3.9",
  state: "yanked",
  yankedAt: "2026-01-30T10:00:00.000Z",
};
