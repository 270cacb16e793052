import {
  auditLogMigration,
  eventInlineMigration,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
} from "@licensing/platform";
import { Distribution } from "./0001_distribution.ts";
import { UsageChecks } from "./0002_usage_checks.ts";
import { LegacyKeyAliases } from "./0003_legacy_key_aliases.ts";
import { LegacyConsumption } from "./0004_legacy_consumption.ts";
import { SharedAuditLog } from "./0005_shared_audit_log.ts";
import { KeyRoles } from "./0006_key_roles.ts";
import { Releases } from "./0007_releases.ts";
import { ReleaseDownloads } from "./0008_release_downloads.ts";
import { ReleaseFeed } from "./0009_release_feed.ts";
import { Delegation } from "./0010_delegation.ts";
import { ReceiptsReceivedAt } from "./0011_receipts_received_at.ts";
import { UsagePartitions } from "./0012_usage_partitions.ts";
import { UsageLevels } from "./0013_usage_levels.ts";
import { ReceiptChainsByLicenseMachine } from "./0014_receipt_chains_by_license_machine.ts";
import { MachinesFewerIndexes } from "./0015_machines_fewer_indexes.ts";
import { UsageHourly } from "./0016_usage_hourly.ts";
import { UsageLinesOnTheHour } from "./0017_usage_lines_on_the_hour.ts";

/**
 * Every migration of the distribution schema, in order: written by hand up to 0002_usage_checks,
 * generated from the entities since (`npm run db -w services/distribution -- create <name>`).
 * Applied at start; never edit one that has shipped.
 */
export const migrations = [
  eventTablesMigration,
  { name: "0001_distribution", class: Distribution },
  { name: "0002_usage_checks", class: UsageChecks },
  eventVersionMigration,
  { name: "0003_legacy_key_aliases", class: LegacyKeyAliases },
  { name: "0004_legacy_consumption", class: LegacyConsumption },
  eventTraceMigration,
  auditLogMigration,
  { name: "0005_shared_audit_log", class: SharedAuditLog },
  { name: "0006_key_roles", class: KeyRoles },
  { name: "0007_releases", class: Releases },
  { name: "0008_release_downloads", class: ReleaseDownloads },
  { name: "0009_release_feed", class: ReleaseFeed },
  { name: "0010_delegation", class: Delegation },
  { name: "0011_receipts_received_at", class: ReceiptsReceivedAt },
  { name: "0012_usage_partitions", class: UsagePartitions },
  { name: "0013_usage_levels", class: UsageLevels },
  { name: "0014_receipt_chains_by_license_machine", class: ReceiptChainsByLicenseMachine },
  { name: "0015_machines_fewer_indexes", class: MachinesFewerIndexes },
  { name: "0016_usage_hourly", class: UsageHourly },
  { name: "0017_usage_lines_on_the_hour", class: UsageLinesOnTheHour },
  eventInlineMigration,
];
