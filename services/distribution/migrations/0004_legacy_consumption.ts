import { Migration } from "@mikro-orm/migrations";

/**
 * Legacy consumption carried by migration runs (issue 14): one row per migrated license, the legacy
 * baseline its counters include, or a pending one waiting for the license to reach the read model.
 */
export class LegacyConsumption extends Migration {
  override name = "0004_legacy_consumption";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."legacy_consumption" ("license_id" text not null, "run_id" text not null, "units_consumed" bigint not null, "last_used_at" timestamptz null, "times_downloaded" bigint not null, "machines" jsonb not null, "content_hash" text not null, "actor_id" text not null, "actor_name" text not null, "request_id" text null, "carried_at" timestamptz not null, "applied_at" timestamptz null, primary key ("license_id"));`,
    );

    this.addSql(
      `alter table "distribution"."legacy_consumption" add constraint "legacy_consumption_units_check" check (units_consumed >= 0);`,
    );
    this.addSql(
      `alter table "distribution"."legacy_consumption" add constraint "legacy_consumption_downloads_check" check (times_downloaded >= 0);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "distribution"."legacy_consumption" cascade;`);
  }
}
