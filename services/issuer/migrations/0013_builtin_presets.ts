import { Migration } from "@mikro-orm/migrations";

export class BuiltinPresets extends Migration {
  override name = "0013_builtin_presets";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "issuer"."preset_seeds" ("product_code" text not null, "seeded_at" timestamptz not null, primary key ("product_code"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "issuer"."preset_seeds" cascade;`);
  }
}
