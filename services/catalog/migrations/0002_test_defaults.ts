import { Migration } from "@mikro-orm/migrations";

/**
 * Products get the defaults of their test licenses (issue 17: test licenses came out for a
 * commercial year). Existing products start from the built-in 30 days and 7-day notice, except those
 * whose default kind was test: their duration and notice were a test license's already, so they
 * carry over (the notice kept shorter than the license).
 */
export class TestDefaults extends Migration {
  override name = "0002_test_defaults";

  override up(): void | Promise<void> {
    this.addSql(`alter table "catalog"."products" add "test_defaults" jsonb null;`);
    this.addSql(`update "catalog"."products" set "test_defaults" =
      case when defaults->>'kind' = 'test' and defaults->>'durationDays' is not null
           then jsonb_build_object(
             'durationDays', (defaults->>'durationDays')::int,
             'notifyDays', least(default_notify_days, greatest((defaults->>'durationDays')::int - 1, 0)))
           else '{"durationDays": 30, "notifyDays": 7}'::jsonb end;`);
    this.addSql(`alter table "catalog"."products" alter column "test_defaults" set not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "catalog"."products" drop column "test_defaults";`);
  }
}
