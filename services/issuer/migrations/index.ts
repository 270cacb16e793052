import {
  auditLogMigration,
  eventInlineMigration,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
} from "@licensing/platform";
import { Licenses } from "./0001_licenses.ts";
import { FasterStats } from "./0002_faster_stats.ts";
import { StatsDeltas } from "./0003_stats_deltas.ts";
import { NarrowerStats } from "./0004_narrower_stats.ts";
import { TopAccounts } from "./0005_top_accounts.ts";
import { VersionSignerName } from "./0006_version_signer_name.ts";
import { ActiveByEndWithNotice } from "./0007_active_by_end_with_notice.ts";
import { AccountNameStatistics } from "./0008_account_name_statistics.ts";
import { StatsEveryProduct } from "./0009_stats_every_product.ts";
import { LicenseOrigin } from "./0010_license_origin.ts";
import { StatsRowIds } from "./0011_stats_row_ids.ts";
import { LegacyLicenses } from "./0012_legacy_licenses.ts";
import { BuiltinPresets } from "./0013_builtin_presets.ts";
import { SharedAuditLog } from "./0014_shared_audit_log.ts";
import { AmendedVersions } from "./0015_amended_versions.ts";
import { ReleaseKeys } from "./0016_release_keys.ts";
import { DropUnusedCreatorIndex } from "./0017_drop_unused_creator_index.ts";

/**
 * Every migration of the issuer schema, in order: written by hand up to 0010_license_origin,
 * generated from the entities since (`npm run db -w services/issuer -- create <name>`). Applied at
 * start; never edit one that has shipped.
 */
export const migrations = [
  eventTablesMigration,
  { name: "0001_licenses", class: Licenses },
  { name: "0002_faster_stats", class: FasterStats },
  { name: "0003_stats_deltas", class: StatsDeltas },
  { name: "0004_narrower_stats", class: NarrowerStats },
  { name: "0005_top_accounts", class: TopAccounts },
  { name: "0006_version_signer_name", class: VersionSignerName },
  { name: "0007_active_by_end_with_notice", class: ActiveByEndWithNotice },
  { name: "0008_account_name_statistics", class: AccountNameStatistics },
  { name: "0009_stats_every_product", class: StatsEveryProduct },
  { name: "0010_license_origin", class: LicenseOrigin },
  { name: "0011_stats_row_ids", class: StatsRowIds },
  eventVersionMigration,
  { name: "0012_legacy_licenses", class: LegacyLicenses },
  { name: "0013_builtin_presets", class: BuiltinPresets },
  eventTraceMigration,
  auditLogMigration,
  { name: "0014_shared_audit_log", class: SharedAuditLog },
  { name: "0015_amended_versions", class: AmendedVersions },
  { name: "0016_release_keys", class: ReleaseKeys },
  { name: "0017_drop_unused_creator_index", class: DropUnusedCreatorIndex },
  eventInlineMigration,
];
