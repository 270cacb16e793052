import { Migration } from "@mikro-orm/migrations";

/**
 * The read model of published and yanked releases and each product and channel's index version
 * (issue 18), from the catalog's release events.
 */
export class Releases extends Migration {
  override name = "0007_releases";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."releases" ("id" text not null, "product" text not null, "channel" text not null, "version" text not null, "state" text not null, "notes" text not null, "min_upgradable_from" text null, "max_upgradable_from" text null, "published_at" timestamptz not null, "artifacts" jsonb not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "releases_by_product_channel" on "distribution"."releases" ("product", "channel");`,
    );

    this.addSql(
      `create table "distribution"."release_index_versions" ("product" text not null, "channel" text not null, "index_version" int not null, primary key ("product", "channel"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "distribution"."releases" cascade;`);
    this.addSql(`drop table if exists "distribution"."release_index_versions" cascade;`);
  }
}
