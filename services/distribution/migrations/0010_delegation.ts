import { Migration } from "@mikro-orm/migrations";

/** Fleet delegation (issue 19): certificates, the leases and receipt logs cockpits upload, and what those showed wrong. */
export class Delegation extends Migration {
  override name = "0010_delegation";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."delegations" ("certificate_id" text not null, "license_id" text not null, "account_id" text not null, "authority_key" text not null, "authority_key_id" text not null, "fingerprint" text not null, "serial" int not null, "issued_at" timestamptz not null, "expires_at" timestamptz not null, "certificate" text not null, "revoked_at" timestamptz null, "revoked_reason" text null, "request_nonce" text not null, primary key ("certificate_id"));`,
    );
    this.addSql(
      `alter table "distribution"."delegations" add constraint "delegations_request_nonce_key" unique ("request_nonce");`,
    );
    this.addSql(
      `create index "delegations_by_account" on "distribution"."delegations" ("account_id", "authority_key_id");`,
    );
    this.addSql(
      `create index "delegations_by_authority" on "distribution"."delegations" ("authority_key_id");`,
    );
    this.addSql(
      `alter table "distribution"."delegations" add constraint "delegations_serial" unique ("license_id", "serial");`,
    );

    this.addSql(
      `create table "distribution"."delegated_leases" ("license_id" text not null, "lease_id" text not null, "certificate_id" text not null, "collector_key_id" text not null, "collector_key" text not null, "fingerprint" text not null, "seat" int not null, "units" bigint not null, "units_used" bigint not null default 0, "product" text not null, "issued_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("license_id", "lease_id"));`,
    );
    this.addSql(
      `create index "delegated_leases_by_collector" on "distribution"."delegated_leases" ("license_id", "collector_key_id");`,
    );
    this.addSql(
      `create index "delegated_leases_by_certificate" on "distribution"."delegated_leases" ("certificate_id", "issued_at");`,
    );

    this.addSql(
      `create table "distribution"."receipts" ("machine_key_id" text not null, "seq" bigint not null, "hash" text not null, "at" timestamptz not null, "units" bigint not null, "lease_id" text null, "product" text not null, "mode" text null, primary key ("machine_key_id", "seq"));`,
    );

    this.addSql(
      `create table "distribution"."receipt_anomalies" ("license_id" text not null, "finding_key" text not null, "kind" text not null, "machine" text null, "seq" bigint null, "lease_id" text null, "message" text not null, "detected_at" timestamptz not null, primary key ("license_id", "finding_key"));`,
    );
    this.addSql(
      `create index "receipt_anomalies_newest" on "distribution"."receipt_anomalies" ("license_id", "detected_at");`,
    );

    this.addSql(
      `create table "distribution"."receipt_chains" ("machine_key_id" text not null, "license_id" text not null, "last_seq" bigint not null, "last_hash" text not null, "receipts" bigint not null default 0, "units" bigint not null default 0, "last_receipt_at" timestamptz null, "fingerprint" text null, "lease_id" text null, primary key ("machine_key_id"));`,
    );
    this.addSql(
      `create index "receipt_chains_by_license" on "distribution"."receipt_chains" ("license_id");`,
    );

    this.addSql(
      `alter table "distribution"."delegations" add constraint "delegations_license_id_fkey" foreign key ("license_id") references "distribution"."licenses" ("license_id");`,
    );

    this.addSql(
      `alter table "distribution"."delegated_leases" add constraint "delegated_leases_license_id_fkey" foreign key ("license_id") references "distribution"."licenses" ("license_id");`,
    );
    this.addSql(
      `alter table "distribution"."delegated_leases" add constraint "delegated_leases_certificate_id_fkey" foreign key ("certificate_id") references "distribution"."delegations" ("certificate_id");`,
    );

    this.addSql(
      `alter table "distribution"."receipt_anomalies" add constraint "receipt_anomalies_license_id_fkey" foreign key ("license_id") references "distribution"."licenses" ("license_id");`,
    );

    this.addSql(
      `alter table "distribution"."receipt_chains" add constraint "receipt_chains_license_id_fkey" foreign key ("license_id") references "distribution"."licenses" ("license_id");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "distribution"."delegated_leases" drop constraint "delegated_leases_certificate_id_fkey";`,
    );

    this.addSql(`drop table if exists "distribution"."delegations" cascade;`);
    this.addSql(`drop table if exists "distribution"."delegated_leases" cascade;`);
    this.addSql(`drop table if exists "distribution"."receipts" cascade;`);
    this.addSql(`drop table if exists "distribution"."receipt_anomalies" cascade;`);
    this.addSql(`drop table if exists "distribution"."receipt_chains" cascade;`);
  }
}
