import { Migration } from "@mikro-orm/migrations";

export class RunCancel extends Migration {
  override name = "0003_run_cancel";

  override up(): void | Promise<void> {
    this.addSql(`alter table "migration"."runs" add "cancelled_by" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "migration"."runs" drop column "cancelled_by";`);
  }
}
