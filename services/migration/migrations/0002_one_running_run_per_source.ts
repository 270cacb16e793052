import { Migration } from "@mikro-orm/migrations";

export class OneRunningRunPerSource extends Migration {
  override name = "0002_one_running_run_per_source";

  override up(): void | Promise<void> {
    // Before the index, only a check in the service kept one run per source, and two replicas could
    // both pass it: of several runs of a source still marked running, all but the newest were started
    // beside it and are ended as interrupted (an apply resumes from its checkpoint when started again).
    this.addSql(
      `update "migration"."runs" r set state = 'interrupted', finished_at = now(),
         error = 'Another run of this source was running beside it; start the same apply again to resume it'
        where state = 'running'
          and exists (select 1 from "migration"."runs" n where n.source = r.source and n.state = 'running' and n.id > r.id);`,
    );
    this.addSql(
      `create unique index "runs_one_running_per_source" on "migration"."runs" ("source") where state = 'running';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "migration"."runs_one_running_per_source";`);
  }
}
