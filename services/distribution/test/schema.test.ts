import { execute } from "@licensing/platform";
import { schemaTests } from "@licensing/testing";
import { distributionDatabase } from "../src/database.ts";

schemaTests({
  definition: distributionDatabase,
  moved: { audit: "audit_log" },
  before: "0002_usage_checks",
  async seed(em) {
    await execute(
      em,
      `insert into distribution.licenses (license_id, key_hash, account_id, state, state_at, serial, file, encrypted,
         products, kind, internal, start_date, end_date, available_activations, accumulated_units,
         units_per_execution, seats, fingerprint, execution_modes, change_seq, changed_at, active_machines,
         units_consumed, last_used_at, times_downloaded, last_downloaded_at)
       values ('lic_1', 'hash-1', 'acc_1', 'active', now(), 2, $1, false, '{cockpit,collector}', 'commercial', false,
               '2026-01-01T00:00:00Z', null, 5, 9007199254740991, 10, 3, null, '{online,offline}',
               nextval('distribution.license_changes'),
               now(), 1, 42, now(), 7, now()),
              ('lic_2', 'hash-2', 'acc_2', 'revoked', now(), 1, 'file-2', true, '{collector}', 'test', true,
               '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z', -1, -1, -1, 0, 'fp-9', null,
               nextval('distribution.license_changes'), now(), 0, 0, null, 0, null)`,
      [`-----BEGIN LICENSE FILE-----\n${"QUJD".repeat(4000)}\n-----END LICENSE FILE-----`],
    );
    await execute(
      em,
      `insert into distribution.machines (id, license_id, fingerprint, hostname, platform, status, offline,
         machine_public_key, activated_at, last_seen_at, last_heartbeat_at, ended_at, end_reason)
       values ('act_1', 'lic_1', 'fp-1', 'host-1', 'linux-x64', 'active', false, null, now(), now(), now(), null, null),
              ('act_2', 'lic_1', 'fp-2', 'host-2', 'win32-x64', 'deactivated', true, 'MCowBQYDK2VwAyEA', now(), now(),
               null, now(), 'machine scrapped')`,
    );
    await execute(
      em,
      `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, fingerprint,
         execution_mode, executed_at, reported_at)
       values ('lic_1', 'run-1', 42, 'acc_1', 'cockpit', 'fp-1', 'online', now(), now())`,
    );
    await execute(
      em,
      `insert into distribution.leases (id, license_id, fingerprint, hostname, acquired_at, renewed_at, expires_at,
         released_at, release_reason)
       values ('lease_1', 'lic_1', 'fp-c1', 'collector-1', now(), now(), now() + interval '5 minutes', null, null),
              ('lease_2', 'lic_1', 'fp-c2', 'collector-2', now(), now(), now(), now(), 'expired')`,
    );
    await execute(
      em,
      `insert into distribution.signing_keys (key_id, public_key, status, created_at)
       values ('key_1', 'MCowBQYDK2VwAyEAq83=', 'active', now())`,
    );
    await execute(
      em,
      `insert into distribution.audit (id, at, action, license_id, target_id, actor_id, actor_name, request_id, reason)
       values ('audit_1', now(), 'machine.deactivated', 'lic_1', 'act_2', 'usr_1', 'olga', 'req_1', 'machine scrapped')`,
    );
    await execute(em, "update distribution.feed_state set last_seq = 1 where name = 'license-files'");
    await execute(
      em,
      `insert into distribution.outbox (id, event, payload, request_id, actor_id, created_at, published_at)
       values ('evt_1', 'machine.activated', '{"id":"act_1"}', null, null, now(), null)`,
    );
    await execute(
      em,
      "insert into distribution.processed_events (consumer, event_id, processed_at) values ('distribution', 'evt_7', now())",
    );
  },
});
