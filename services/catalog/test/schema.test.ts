import { execute } from "@licensing/platform";
import { schemaTests } from "@licensing/testing";
import { catalogDatabase } from "../src/database.ts";

schemaTests({
  definition: catalogDatabase,
  before: "0001_accounts_and_products",
  async seed(em) {
    await execute(
      em,
      `insert into catalog.accounts (id, type, name, external_id, country, contacts, sales_owner, notes, archived,
         version, created_at, updated_at)
       values ('acc_1', 'customer', 'Zoë Ångström AG', 'CRM-1', 'CH', $1, 'usr_sam', 'Key account', false, 3,
               '2026-01-02T03:04:05Z', '2026-02-03T04:05:06Z'),
              ('acc_2', 'prospect', 'Globex', null, null, '[]', null, '', true, 1, now(), now())`,
      [JSON.stringify([{ name: "Pat Buyer", email: "pat@example.test", role: "Buyer" }])],
    );
    await execute(
      em,
      `insert into catalog.products (code, name, execution_modes, custom_features, units_types, default_notify_days,
         defaults, version, created_at, updated_at)
       values ('collector', 'Collector', '[{"code":"online","name":"Online"}]', '[{"code":"ha","name":"HA"}]',
               '[{"code":"executions","name":"Executions"}]', 30, '{"seats":0}', 2, now(), now())`,
    );
    await execute(
      em,
      `insert into catalog.outbox (id, event, payload, request_id, actor_id, created_at, published_at)
       values ('evt_1', 'account.created', '{"id":"acc_1"}', 'req_1', 'usr_sam', now(), null),
              ('evt_2', 'product.created', '{"code":"collector"}', null, null, now(), now())`,
    );
    await execute(
      em,
      "insert into catalog.processed_events (consumer, event_id, processed_at) values ('catalog-probe', 'evt_0', now())",
    );
  },
});
