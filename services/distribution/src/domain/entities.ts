import { defineEntity, p } from "@mikro-orm/core";

// The distribution schema. The hot paths are single SQL statements under row locks and counting
// constraints (rows.ts, and the functions in migrations/repeatable/), where the unit of work would
// add nothing but cost; these entities describe the tables, so the schema is generated and checked
// from them like every other service's.

/** The read model of the issuer's licenses (newest file and state) and the usage state kept here. */
export const LicenseEntity = defineEntity({
  name: "License",
  tableName: "licenses",
  properties: {
    licenseId: p.text().primary(),
    keyHash: p.text().unique("licenses_key_hash_key"),
    /** SHA-256 of a migrated license's normalized legacy key (a GUID): an alias of its key. */
    legacyKeyHash: p.text().nullable().unique("licenses_legacy_key_hash_key"),
    accountId: p.text(),
    state: p.enum(["active", "suspended", "revoked"] as const),
    stateAt: p.datetime(),
    serial: p.integer(),
    file: p.text().lazy(),
    encrypted: p.boolean(),
    products: p.array(),
    kind: p.text(),
    internal: p.boolean(),
    startDate: p.datetime(),
    endDate: p.datetime().nullable(),
    availableActivations: p.integer(),
    accumulatedUnits: p.bigint("number"),
    unitsPerExecution: p.bigint("number"),
    seats: p.integer(),
    fingerprint: p.text().nullable(),
    /** The execution modes of the newest file; null while only events that did not carry them were applied. */
    executionModes: p.array().nullable(),
    /** The hand-off's change feed: one number per change, from the license_changes sequence, in commit order. */
    changeSeq: p.bigint("string"),
    changedAt: p.datetime(),
    activeMachines: p.integer().default(0),
    unitsConsumed: p.bigint("number").defaultRaw("0"),
    lastUsedAt: p.datetime().nullable(),
    timesDownloaded: p.bigint("number").defaultRaw("0"),
    lastDownloadedAt: p.datetime().nullable(),
  },
  checks: [
    { name: "licenses_active_machines_check", expression: "active_machines >= 0" },
    { name: "licenses_units_consumed_check", expression: "units_consumed >= 0" },
  ],
  indexes: [{ name: "licenses_by_change", properties: ["changeSeq"] }],
});

/** A machine activated on a license (online or offline). */
export const MachineEntity = defineEntity({
  name: "Machine",
  tableName: "machines",
  properties: {
    id: p.text().primary(),
    licenseId: () =>
      p.manyToOne(LicenseEntity).mapToPk().fieldName("license_id").foreignKeyName("machines_license_id_fkey"),
    fingerprint: p.text(),
    hostname: p.text(),
    platform: p.text(),
    status: p.enum(["active", "deactivated", "released"] as const),
    offline: p.boolean(),
    machinePublicKey: p.text().nullable(),
    activatedAt: p.datetime(),
    lastSeenAt: p.datetime(),
    lastHeartbeatAt: p.datetime().nullable(),
    endedAt: p.datetime().nullable(),
    endReason: p.text().nullable(),
  },
  // One active activation per fingerprint and license: the same machine twice is one activation.
  uniques: [
    { name: "machines_one_active", properties: ["licenseId", "fingerprint"], where: "status = 'active'" },
  ],
  indexes: [
    // The sweep's: machines that sent a heartbeat (an activation enters it with its first one).
    {
      name: "machines_heartbeats",
      properties: ["lastHeartbeatAt"],
      where: "status = 'active' and not offline and last_heartbeat_at is not null",
    },
    // Whether a fingerprint ever activated a license (usage reports are checked against it); its
    // prefix also finds a license's machines.
    { name: "machines_by_fingerprint", properties: ["licenseId", "fingerprint"] },
  ],
});

/**
 * One usage report (the detail). The table is partitioned by month of `reported_at`
 * (docs/distribution.md, "Usage data") and holds no unique key since 0013_usage_levels: a retried
 * report is recognised by usage_report_keys. The ORM needs a primary key; this one is unique in fact.
 */
export const UsageReportEntity = defineEntity({
  name: "UsageReport",
  tableName: "usage_reports",
  properties: {
    licenseId: () =>
      p
        .manyToOne(LicenseEntity)
        .mapToPk()
        .primary()
        .fieldName("license_id")
        .foreignKeyName("usage_reports_license_id_fkey"),
    idempotencyKey: p.text().primary(),
    units: p.bigint("number"),
    accountId: p.text(),
    product: p.text(),
    fingerprint: p.text().nullable(),
    executionMode: p.text().nullable(),
    executedAt: p.datetime().nullable(),
    /** The partition key, so part of the primary key. */
    reportedAt: p.datetime().primary(),
  },
  indexes: [
    { name: "usage_by_time", properties: ["reportedAt"] },
    { name: "usage_by_account", properties: ["accountId", "reportedAt"] },
  ],
});

/** Units and executions per UTC day, account and product, for the days rolled up from the detail. */
export const UsageDailyEntity = defineEntity({
  name: "UsageDaily",
  tableName: "usage_daily",
  properties: {
    day: p.date().primary(),
    accountId: p.text().primary(),
    product: p.text().primary(),
    units: p.bigint("number"),
    executions: p.bigint("number"),
  },
  indexes: [{ name: "usage_daily_by_account", properties: ["accountId", "day"] }],
});

/**
 * Units and executions per UTC hour, account and product, for the closed hours of the detail kept
 * (the retention): what a range whose bound falls inside a day reads for that day's whole hours, and
 * today's closed hours, so a report reads at most the last hour or so of detail per bound.
 */
export const UsageHourlyEntity = defineEntity({
  name: "UsageHourly",
  tableName: "usage_hourly",
  properties: {
    hour: p.datetime().primary(),
    accountId: p.text().primary(),
    product: p.text().primary(),
    units: p.bigint("number"),
    executions: p.bigint("number"),
  },
  indexes: [{ name: "usage_hourly_by_account", properties: ["accountId", "hour"] }],
});

/**
 * Units and executions per UTC day and product over every account: the per-day level the dashboard
 * and the all-accounts reports' totals read (a few rows a day), kept as usage_daily is.
 */
export const UsageDailyTotalEntity = defineEntity({
  name: "UsageDailyTotal",
  tableName: "usage_daily_totals",
  properties: {
    day: p.date().primary(),
    product: p.text().primary(),
    units: p.bigint("number"),
    executions: p.bigint("number"),
  },
});

/**
 * Units and executions per UTC month, account and product, summed from usage_daily as each day is
 * rolled up: readers take a month from here only once every day of it is rolled up.
 */
export const UsageMonthlyEntity = defineEntity({
  name: "UsageMonthly",
  tableName: "usage_monthly",
  properties: {
    month: p.date().primary(),
    accountId: p.text().primary(),
    product: p.text().primary(),
    units: p.bigint("number"),
    executions: p.bigint("number"),
  },
  indexes: [{ name: "usage_monthly_by_account", properties: ["accountId", "month"] }],
});

/**
 * The idempotency keys of the usage reports of the retention window (docs/distribution.md, "Usage
 * data"): one probe finds a retried key whatever partition its report went to. Keys past the
 * retention are pruned by the rollup.
 */
export const UsageReportKeyEntity = defineEntity({
  name: "UsageReportKey",
  tableName: "usage_report_keys",
  properties: {
    licenseId: p.text().primary(),
    idempotencyKey: p.text().primary(),
    units: p.bigint("number"),
    reportedAt: p.datetime(),
  },
  indexes: [{ name: "usage_report_keys_by_time", properties: ["reportedAt"] }],
});

/** A check that a timestamptz column is the start of a UTC hour or day (or -infinity: none yet). */
function onThe(unit: "hour" | "day", column: string): string {
  return `date_trunc('${unit}', ${column} at time zone 'UTC') = ${column} at time zone 'UTC'`;
}

/**
 * Where usage detail ends and rollups begin (one row): writers never report before `closedBefore`,
 * readers take days before `rolledUpBefore` from usage_daily and hours before `hoursRolledUpBefore`
 * from usage_hourly, and detail before `detailFrom` is gone.
 */
export const UsageRollupStateEntity = defineEntity({
  name: "UsageRollupState",
  tableName: "usage_rollup_state",
  properties: {
    id: p.integer().primary().autoincrement(false),
    closedBefore: p.datetime(),
    rolledUpBefore: p.datetime(),
    hoursRolledUpBefore: p.datetime(),
    detailFrom: p.datetime(),
  },
  // Each line is where a level starts or ends (docs/distribution.md, "Usage data"): a line edited by
  // hand to fall inside an hour or a day would have an hour or a day read from two places.
  checks: [
    { name: "usage_rollup_state_closed_check", expression: onThe("hour", "closed_before") },
    { name: "usage_rollup_state_hours_check", expression: onThe("hour", "hours_rolled_up_before") },
    { name: "usage_rollup_state_days_check", expression: onThe("day", "rolled_up_before") },
    { name: "usage_rollup_state_detail_check", expression: onThe("day", "detail_from") },
  ],
});

/** A cockpit license's fleet seat held by one collector until it expires or is released. */
export const LeaseEntity = defineEntity({
  name: "Lease",
  tableName: "leases",
  properties: {
    id: p.text().primary(),
    licenseId: () =>
      p.manyToOne(LicenseEntity).mapToPk().fieldName("license_id").foreignKeyName("leases_license_id_fkey"),
    fingerprint: p.text(),
    hostname: p.text(),
    acquiredAt: p.datetime(),
    renewedAt: p.datetime(),
    expiresAt: p.datetime(),
    releasedAt: p.datetime().nullable(),
    releaseReason: p.text().nullable(),
  },
  uniques: [
    {
      name: "leases_one_per_collector",
      properties: ["licenseId", "fingerprint"],
      where: "released_at is null",
    },
  ],
  // Whether a fingerprint ever held one of a license's leases (usage reports are checked against it).
  indexes: [{ name: "leases_by_fingerprint", properties: ["licenseId", "fingerprint"] }],
});

/** The issuer's public keys, kept so GET /v1/keys answers while the issuer is down. */
export const SigningKeyEntity = defineEntity({
  name: "SigningKey",
  tableName: "signing_keys",
  properties: {
    keyId: p.text().primary(),
    /** `license` or `release` (keyRoles): what the key's signatures vouch for. */
    role: p.text().default("license"),
    publicKey: p.text(),
    status: p.text(),
    createdAt: p.datetime(),
  },
});

/**
 * Where a migrated license stood in its legacy system (issue 14), as a migration run last carried it:
 * the baseline its counters include. No foreign key: an item may arrive before the license does
 * (`applied_at` null, pending), and is applied when the issuer's event brings the license.
 */
export const LegacyConsumptionEntity = defineEntity({
  name: "LegacyConsumption",
  tableName: "legacy_consumption",
  properties: {
    licenseId: p.text().primary(),
    runId: p.text(),
    unitsConsumed: p.bigint("number"),
    lastUsedAt: p.datetime().nullable(),
    timesDownloaded: p.bigint("number"),
    /** The legacy machines as carried: `[{ fingerprint, activatedAt, lastSeenAt }]`. */
    machines: p.json<{ fingerprint: string; activatedAt: string | null; lastSeenAt: string | null }[]>(),
    /** SHA-256 of the carried values: the same item again changes nothing. */
    contentHash: p.text(),
    /** Who carried it, and under which request (the audit entry names them when it is applied later). */
    actorId: p.text(),
    actorName: p.text(),
    requestId: p.text().nullable(),
    carriedAt: p.datetime(),
    /** When the license's counters took it in; null while distribution has not received the license. */
    appliedAt: p.datetime().nullable(),
  },
  checks: [
    { name: "legacy_consumption_units_check", expression: "units_consumed >= 0" },
    { name: "legacy_consumption_downloads_check", expression: "times_downloaded >= 0" },
  ],
});

/** How far a feed (the license-files stream) has been published. */
export const FeedStateEntity = defineEntity({
  name: "FeedState",
  tableName: "feed_state",
  properties: {
    name: p.text().primary(),
    lastSeq: p.bigint("string"),
  },
});

/**
 * The read model of the catalog's published and yanked releases (issue 18), from release.published,
 * release.updated and release.yanked: what update checks answer from, while the catalog is down too,
 * and the license servers' release feed (`changeSeq`, like the licenses').
 */
export const ReleaseEntity = defineEntity({
  name: "Release",
  tableName: "releases",
  properties: {
    id: p.text().primary(),
    product: p.text(),
    channel: p.text(),
    version: p.text(),
    state: p.text(),
    notes: p.text(),
    minUpgradableFrom: p.text().nullable(),
    maxUpgradableFrom: p.text().nullable(),
    publishedAt: p.datetime(),
    /** The release's artifacts as the event carried them (ReleaseArtifact[]). */
    artifacts: p.json<unknown[]>(),
    /** The channel's index version of the event applied last: an older event arriving late is ignored. */
    indexVersion: p.integer().default(0),
    /** The position of the release's last change in the release feed (sequence `release_changes`). */
    changeSeq: p.bigint("string").default(0),
    changedAt: p.datetime().defaultRaw("now()"),
  },
  indexes: [
    { name: "releases_by_product_channel", properties: ["product", "channel"] },
    { name: "releases_by_change", properties: ["changeSeq"] },
  ],
});

/** Downloads of release files, counted per file, account and day (a download starting at byte 0). */
export const ReleaseDownloadEntity = defineEntity({
  name: "ReleaseDownload",
  tableName: "release_downloads",
  properties: {
    artifactId: p.text().primary(),
    accountId: p.text().primary(),
    day: p.date().primary(),
    releaseId: p.text().index("release_downloads_by_release"),
    downloads: p.integer(),
    lastAt: p.datetime(),
  },
});

/** Each product and channel's release index version, the highest an event carried. */
export const ReleaseIndexVersionEntity = defineEntity({
  name: "ReleaseIndexVersion",
  tableName: "release_index_versions",
  properties: {
    product: p.text().primary(),
    channel: p.text().primary(),
    indexVersion: p.integer(),
  },
});

/** The `license_id` of a table of the license's (issue 19's tables), as a foreign key named `name`. */
const licenseKey = (name: string) =>
  p.manyToOne(LicenseEntity).mapToPk().fieldName("license_id").foreignKeyName(name);

/**
 * A delegation certificate issued to a cockpit license (issue 19, docs/license-file-format.md section
 * 15): the cockpit's authority key bound to limits, signed by the issuer. Each renewal is a new row
 * with the next serial; revoking the license's delegation marks them all.
 */
export const DelegationEntity = defineEntity({
  name: "Delegation",
  tableName: "delegations",
  properties: {
    certificateId: p.text().primary(),
    licenseId: () => licenseKey("delegations_license_id_fkey"),
    accountId: p.text(),
    authorityKey: p.text(),
    authorityKeyId: p.text(),
    /** The cockpit's fingerprint, as its request named it. */
    fingerprint: p.text(),
    serial: p.integer(),
    issuedAt: p.datetime(),
    expiresAt: p.datetime(),
    /** The armored certificate as signed. */
    certificate: p.text().lazy(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.text().nullable(),
    /** The request's nonce: a request (an offline one above all) is answered once. */
    requestNonce: p.text().unique("delegations_request_nonce_key"),
  },
  uniques: [{ name: "delegations_serial", properties: ["licenseId", "serial"] }],
  indexes: [
    { name: "delegations_by_account", properties: ["accountId", "authorityKeyId"] },
    { name: "delegations_by_authority", properties: ["authorityKeyId"] },
  ],
});

/** A lease a cockpit signed under one of its certificates, as its receipts uploads brought it. */
export const DelegatedLeaseEntity = defineEntity({
  name: "DelegatedLease",
  tableName: "delegated_leases",
  properties: {
    licenseId: () => licenseKey("delegated_leases_license_id_fkey").primary(),
    /** Chosen by the cockpit: unique within its license. */
    leaseId: p.text().primary(),
    certificateId: () =>
      p
        .manyToOne(DelegationEntity)
        .mapToPk()
        .fieldName("certificate_id")
        .foreignKeyName("delegated_leases_certificate_id_fkey"),
    collectorKeyId: p.text(),
    collectorKey: p.text(),
    fingerprint: p.text(),
    seat: p.integer(),
    units: p.bigint("number"),
    /** Units the receipts accepted under it carry together. */
    unitsUsed: p.bigint("number").defaultRaw("0"),
    product: p.text(),
    issuedAt: p.datetime(),
    expiresAt: p.datetime(),
  },
  indexes: [
    { name: "delegated_leases_by_collector", properties: ["licenseId", "collectorKeyId"] },
    { name: "delegated_leases_by_certificate", properties: ["certificateId", "issuedAt"] },
  ],
});

/** The head of one machine's receipt log (section 16): where the next receipt must link. */
export const ReceiptChainEntity = defineEntity({
  name: "ReceiptChain",
  tableName: "receipt_chains",
  properties: {
    /** The machine's authority key id (a collector's or the cockpit's own key). */
    machineKeyId: p.text().primary(),
    licenseId: () => licenseKey("receipt_chains_license_id_fkey"),
    /** The position of the last receipt accepted in log order (-1: none yet). */
    lastSeq: p.bigint("number"),
    lastHash: p.text(),
    receipts: p.bigint("number").defaultRaw("0"),
    units: p.bigint("number").defaultRaw("0"),
    lastReceiptAt: p.datetime().nullable(),
    fingerprint: p.text().nullable(),
    leaseId: p.text().nullable(),
  },
  // By license, then machine: the collectors' keyset pages read a range of it in order; its prefix
  // serves the license's aggregates.
  indexes: [{ name: "receipt_chains_by_license_machine", properties: ["licenseId", "machineKeyId"] }],
});

/** One accepted usage receipt: its position and hash decide duplicates and forks. */
export const ReceiptEntity = defineEntity({
  name: "Receipt",
  tableName: "receipts",
  properties: {
    machineKeyId: p.text().primary(),
    seq: p.bigint("number").primary(),
    hash: p.text(),
    at: p.datetime(),
    units: p.bigint("number"),
    leaseId: p.text().nullable(),
    product: p.text(),
    mode: p.text().nullable(),
    /** When its upload (or import) was accepted; null for receipts stored before it was recorded. */
    receivedAt: p.datetime().nullable(),
  },
});

/** What a receipts upload showed wrong (never silently counted); one row per finding, replays add none. */
export const ReceiptAnomalyEntity = defineEntity({
  name: "ReceiptAnomaly",
  tableName: "receipt_anomalies",
  properties: {
    licenseId: () => licenseKey("receipt_anomalies_license_id_fkey").primary(),
    /** What makes the finding the same one again: kind, machine, position, lease and the receipt's hash. */
    findingKey: p.text().primary(),
    kind: p.text(),
    machine: p.text().nullable(),
    seq: p.bigint("number").nullable(),
    leaseId: p.text().nullable(),
    message: p.text(),
    detectedAt: p.datetime(),
  },
  indexes: [{ name: "receipt_anomalies_newest", properties: ["licenseId", "detectedAt"] }],
});

export const distributionEntities = [
  LicenseEntity,
  MachineEntity,
  UsageReportEntity,
  UsageDailyEntity,
  UsageHourlyEntity,
  UsageDailyTotalEntity,
  UsageMonthlyEntity,
  UsageReportKeyEntity,
  UsageRollupStateEntity,
  LeaseEntity,
  SigningKeyEntity,
  FeedStateEntity,
  LegacyConsumptionEntity,
  ReleaseEntity,
  ReleaseIndexVersionEntity,
  ReleaseDownloadEntity,
  DelegationEntity,
  DelegatedLeaseEntity,
  ReceiptChainEntity,
  ReceiptEntity,
  ReceiptAnomalyEntity,
];
