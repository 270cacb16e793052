import { Migration } from "@mikro-orm/migrations";

/**
 * The release feed of the license-server hand-off (issue 18): each release's last change is numbered
 * from the sequence `release_changes` (releases already here numbered in publication order), and the
 * index version of the event applied last guards against an older event arriving late.
 */
export class ReleaseFeed extends Migration {
  override name = "0009_release_feed";

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "distribution"."releases" add "index_version" int not null default 0, add "change_seq" bigint not null default '0', add "changed_at" timestamptz not null default now();`,
    );
    this.addSql(`create index "releases_by_change" on "distribution"."releases" ("change_seq");`);
    this.addSql(`create sequence "distribution"."release_changes";`);
    this.addSql(
      `update "distribution"."releases" r set change_seq = numbered.seq, changed_at = r.published_at
       from (select id, nextval('"distribution"."release_changes"') as seq
             from (select id from "distribution"."releases" order by published_at, id) ordered) numbered
       where r.id = numbered.id;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop sequence "distribution"."release_changes";`);
    this.addSql(`drop index "distribution"."releases_by_change";`);
    this.addSql(
      `alter table "distribution"."releases" drop column "index_version", drop column "change_seq", drop column "changed_at";`,
    );
  }
}
