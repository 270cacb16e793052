import { Migration } from "@mikro-orm/migrations";

/** Release file downloads per file, account and day (issue 18: operators see them per release). */
export class ReleaseDownloads extends Migration {
  override name = "0008_release_downloads";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."release_downloads" ("artifact_id" text not null, "account_id" text not null, "day" date not null, "release_id" text not null, "downloads" int not null, "last_at" timestamptz not null, primary key ("artifact_id", "account_id", "day"));`,
    );
    this.addSql(
      `create index "release_downloads_by_release" on "distribution"."release_downloads" ("release_id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "distribution"."release_downloads" cascade;`);
  }
}
