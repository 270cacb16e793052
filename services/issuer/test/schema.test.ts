import { execute, query } from "@licensing/platform";
import { schemaTests } from "@licensing/testing";
import { expect } from "vitest";
import { issuerDatabase } from "../src/database.ts";

const license = (id: string, kind: string, products: string, state: string, end: string | null) =>
  `('${id}', 'hash-${id}', 'ABCDE', '\\x00', 'acc_1', 'Acme', '${kind}', false, 'subscription', '${products}',
    '${products}', 'executions', -1, 1, '2026-01-01T00:00:00Z', ${end ? `'${end}'` : "null"}, 3, null, '{online}',
    '{ha}', ${end ? 45 : "null"}, 0, '{"po":"42"}', '[{"key":"Region","value":"EU"}]', 'Acme', 'Pat', 'pat@acme.test',
    false, '${state}', ${state === "active" ? "null" : "'audit'"}, 1, 'key_1', now(), now(), 'usr_1', 'ada', null,
    null, 1, '2026-01-02T10:00:00Z', now(), '203.0.113.9', 'build-01')`;

schemaTests({
  definition: issuerDatabase,
  before: "0010_license_origin",
  moved: { audit_entries: "audit_log" },
  async seed(em) {
    await execute(
      em,
      `insert into issuer.signing_keys (key_id, public_key, private_key_enc, status, created_at, retired_at)
       values ('key_0', '\\x0a0b', '\\x0c0d', 'retired', now() - interval '1 year', now()),
              ('key_1', '\\x0102', '\\x0304', 'active', now(), null)`,
    );
    // The roll-ups fill themselves: the triggers of the release before count these.
    await execute(
      em,
      `insert into issuer.licenses (id, key_hash, key_hint, key_enc, account_id, account_name, kind, internal,
         license_type, products, product_names, units_type, accumulated_units, units_per_execution, start_date,
         end_date, available_activations, fingerprint, execution_modes, custom_features, notify_days, seats,
         metadata, friendly_restrictions, owner_company, owner_name, owner_email, encrypted, state, state_reason,
         serial, key_id, signed_at, date_issued, created_by, created_by_name, batch_id, preset_id, version,
         created_at, updated_at, owner_ip_address, created_at_computer)
       values ${license("lic_1", "commercial", "{collector,cockpit}", "active", "2027-01-01T00:00:00Z")},
              ${license("lic_2", "test", "{collector}", "suspended", null)}`,
    );
    await execute(
      em,
      `insert into issuer.license_versions (license_id, serial, key_id, signed_at, reason, end_date, file, created_by,
         created_by_name)
       values ('lic_1', 1, 'key_1', now(), 'issued', '2027-01-01T00:00:00Z', $1, 'usr_1', 'ada'),
              ('lic_2', 1, 'key_1', now(), 'issued', null, 'file-2', 'usr_1', 'ada')`,
      [`-----BEGIN LICENSE FILE-----\n${"QUJD".repeat(4000)}\n-----END LICENSE FILE-----`],
    );
    await execute(
      em,
      `insert into issuer.audit_entries (id, license_id, action, actor_id, actor_name, request_id, reason, changes, at)
       values ('aud_1', 'lic_2', 'license.suspended', 'usr_1', 'ada', 'req_1', 'audit', '{"state":["active","suspended"]}', now())`,
    );
    await execute(
      em,
      `insert into issuer.presets (id, name, description, parameters, created_by, version, created_at, updated_at)
       values ('pre_1', 'Trial 30 days', 'For prospects', '{"kind":"test","days":30}', 'usr_1', 2, now(), now())`,
    );
    await execute(
      em,
      `insert into issuer.idempotency_keys (scope, key, request_hash, response, created_at)
       values ('license.create', 'k-1', 'sha256:abc', '{"id":"lic_1"}', now())`,
    );
    await execute(
      em,
      `insert into issuer.outbox (id, event, payload, request_id, actor_id, created_at, published_at)
       values ('evt_1', 'license.issued', '{"licenseId":"lic_1"}', 'req_1', 'usr_1', now(), null)`,
    );
    await execute(
      em,
      "insert into issuer.processed_events (consumer, event_id, processed_at) values ('issuer-catalog-sync', 'evt_9', now())",
    );
    const counted = await query<{ n: string }>(em, "select sum(n)::text as n from issuer.stats_by_account");
    expect(counted).toEqual([{ n: "2" }]);
  },
});
