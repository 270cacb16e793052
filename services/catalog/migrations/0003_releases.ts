import { Migration } from "@mikro-orm/migrations";

/**
 * The Update server's data (issue 18): release channels (stable and beta to start with), releases of
 * each product, their artifacts (the bytes are in the artifact store; deleting a draft deletes its
 * artifacts' rows with it), and each product and channel's release index version.
 */
export class Releases extends Migration {
  override name = "0003_releases";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "catalog"."releases" ("id" text not null, "product" text not null, "version" text not null, "channel" text not null, "notes" text not null, "state" text not null, "min_upgradable_from" text null, "max_upgradable_from" text null, "published_at" timestamptz null, "yanked_at" timestamptz null, "yank_reason" text null, "created_by" text not null, "revision" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "releases_by_product_channel" on "catalog"."releases" ("product", "channel", "state");`,
    );
    this.addSql(
      `alter table "catalog"."releases" add constraint "releases_product_version" unique ("product", "version");`,
    );

    this.addSql(
      `create table "catalog"."release_artifacts" ("id" text not null, "release_id" text not null, "platform" text not null, "arch" text not null, "file_type" text not null, "file_name" text not null, "size" bigint not null, "sha256" text not null, "storage_key" text not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "release_artifacts_by_release" on "catalog"."release_artifacts" ("release_id");`,
    );
    this.addSql(
      `alter table "catalog"."release_artifacts" add constraint "release_artifacts_storage_key" unique ("storage_key");`,
    );
    this.addSql(
      `alter table "catalog"."release_artifacts" add constraint "release_artifacts_one_per_target" unique ("release_id", "platform", "arch", "file_type");`,
    );

    this.addSql(
      `create table "catalog"."release_channels" ("code" text not null, "name" text not null, "kinds" jsonb not null, "position" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("code"));`,
    );

    this.addSql(
      `create table "catalog"."release_index_versions" ("product" text not null, "channel" text not null, "index_version" int not null, primary key ("product", "channel"));`,
    );

    this.addSql(
      `alter table "catalog"."releases" add constraint "releases_state_check" check ("state" in ('draft', 'published', 'yanked'));`,
    );
    this.addSql(
      `insert into "catalog"."release_channels" ("code", "name", "kinds", "position", "created_at", "updated_at") values ('stable', 'Stable', '["commercial","test"]', 0, now(), now()), ('beta', 'Beta', '["test"]', 1, now(), now());`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "catalog"."releases" cascade;`);
    this.addSql(`drop table if exists "catalog"."release_artifacts" cascade;`);
    this.addSql(`drop table if exists "catalog"."release_channels" cascade;`);
    this.addSql(`drop table if exists "catalog"."release_index_versions" cascade;`);
  }
}
