import { Migration } from "@mikro-orm/migrations";

/**
 * Custom roles, defined by a superadmin (Settings → Roles): a name no built-in role has, a
 * description, and the actions of the permission list it allows. Users hold them by name in
 * users.roles, as they hold the built-in ones.
 */
export class CustomRoles extends Migration {
  override name = "0003_custom_roles";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "gateway"."custom_roles" ("name" text not null, "description" text not null, "actions" jsonb not null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("name"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "gateway"."custom_roles" cascade;`);
  }
}
