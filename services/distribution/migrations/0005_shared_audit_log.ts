import { Migration } from "@mikro-orm/migrations";

/**
 * The operators' actions recorded here move into the platform's audit log (created by
 * platform_audit_log, just before): a deactivation is a `machine` entry, a lease release a `lease`
 * entry (the license they belonged to named in their changes), a carried legacy consumption a
 * `license` entry naming its run. They are chained by the chaining worker once the service runs.
 */
export class SharedAuditLog extends Migration {
  override name = "0005_shared_audit_log";

  override up(): void | Promise<void> {
    this.addSql(`insert into "distribution"."audit_log"
        (id, at, actor_id, actor_name, action, entity_type, entity_id, request_id, reason, changes)
      select id, at, actor_id, actor_name, action,
             case when action like 'machine.%' then 'machine' when action like 'lease.%' then 'lease' else 'license' end,
             case when action like 'machine.%' or action like 'lease.%' then target_id else license_id end,
             request_id, reason,
             case when action like 'machine.%' or action like 'lease.%'
                  then jsonb_build_object('licenseId', jsonb_build_array(license_id, license_id))
                  else jsonb_build_object('runId', jsonb_build_array(null, target_id)) end
        from "distribution"."audit"`);
    this.addSql(`drop table "distribution"."audit"`);
  }
}
