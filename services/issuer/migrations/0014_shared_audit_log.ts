import { Migration } from "@mikro-orm/migrations";

/**
 * The license trail moves into the platform's audit log (created by platform_audit_log, just before),
 * entries and all: a license's entries become `license` entries, a key rotation's a `signing-key`
 * entry. They are chained by the chaining worker once the service runs, oldest first.
 */
export class SharedAuditLog extends Migration {
  override name = "0014_shared_audit_log";

  override up(): void | Promise<void> {
    this.addSql(`insert into "issuer"."audit_log"
        (id, at, actor_id, actor_name, action, entity_type, entity_id, request_id, reason, changes)
      select id, at, actor_id, actor_name, action,
             case when license_id is not null then 'license'
                  when action like 'signing-key.%' then 'signing-key' else 'issuer' end,
             coalesce(license_id, case when action = 'signing-key.rotated' then changes->'activeKey'->>1 end),
             request_id, reason, changes
        from "issuer"."audit_entries"`);
    this.addSql(`drop table "issuer"."audit_entries"`);
  }
}
