import { Migration } from "@mikro-orm/migrations";

/** Operators' saved views: named filter sets of the licenses and accounts tables, per user. */
export class SavedViews extends Migration {
  override name = "0004_saved_views";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "gateway"."saved_views" ("id" text not null, "user_id" text not null, "table_name" text not null, "name" text not null, "name_key" text not null, "query" text not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "gateway"."saved_views" add constraint "saved_views_user_table_name_key" unique ("user_id", "table_name", "name_key");`,
    );

    this.addSql(
      `alter table "gateway"."saved_views" add constraint "saved_views_user_id_fkey" foreign key ("user_id") references "gateway"."users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "gateway"."saved_views" add constraint "saved_views_table_name_check" check ("table_name" in ('licenses', 'accounts'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "gateway"."saved_views" cascade;`);
  }
}
