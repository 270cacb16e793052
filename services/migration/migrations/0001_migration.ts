import { Migration } from "@mikro-orm/migrations";

export class MigrationSchema extends Migration {
  override name = "0001_migration";

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "migration";`);
    this.addSql(
      `create table "migration"."account_questions" ("key" text not null, "reason" text not null, "owners" jsonb not null, "candidates" jsonb not null, "choice" text null, "account_id" text null, "decided_by" text null, "decided_at" timestamptz null, "updated_at" timestamptz not null, primary key ("key"));`,
    );

    this.addSql(
      `create table "migration"."owner_links" ("owner_key" text not null, "account_id" text not null, "run_id" text not null, "created_at" timestamptz not null, primary key ("owner_key"));`,
    );

    this.addSql(
      `create table "migration"."runs" ("id" text not null, "source" text not null, "location" text not null, "mapping_text" text null, "mapping_label" text not null, "mode" text not null, "state" text not null, "phase" text not null, "total" int null, "processed" int not null default 0, "phase_started_at" timestamptz not null, "counts" jsonb not null, "unknown_products" jsonb not null, "checkpoint_row" int null, "resumed_at_row" int null, "actor" jsonb not null, "started_at" timestamptz not null, "finished_at" timestamptz null, "heartbeat_at" timestamptz not null, "error" text null, primary key ("id"));`,
    );
    this.addSql(`create index "runs_by_source" on "migration"."runs" ("source", "started_at");`);

    this.addSql(
      `create table "migration"."run_issues" ("run_id" text not null, "seq" int not null, "table_name" text not null, "row" int not null, "column_name" text null, "legacy_id" text null, "reason" text not null, "message" text not null, primary key ("run_id", "seq"));`,
    );
    this.addSql(`create index "run_issues_by_row" on "migration"."run_issues" ("run_id", "row");`);

    this.addSql(
      `alter table "migration"."account_questions" add constraint "account_questions_choice_check" check ("choice" in ('merge', 'separate'));`,
    );

    this.addSql(
      `alter table "migration"."runs" add constraint "runs_mode_check" check ("mode" in ('dry-run', 'apply'));`,
    );
    this.addSql(
      `alter table "migration"."runs" add constraint "runs_state_check" check ("state" in ('running', 'done', 'failed', 'interrupted', 'rolled_back'));`,
    );
    this.addSql(
      `alter table "migration"."runs" add constraint "runs_phase_check" check ("phase" in ('counting', 'accounts', 'importing', 'finished'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "migration"."account_questions" cascade;`);
    this.addSql(`drop table if exists "migration"."owner_links" cascade;`);
    this.addSql(`drop table if exists "migration"."runs" cascade;`);
    this.addSql(`drop table if exists "migration"."run_issues" cascade;`);

    this.addSql(`drop schema if exists "migration";`);
  }
}
