import { execute } from "@licensing/platform";
import { schemaTests } from "@licensing/testing";
import { gatewayDatabase } from "../src/database.ts";

schemaTests({
  definition: gatewayDatabase,
  before: "0002_sign_in_throttle",
  async seed(em) {
    await execute(
      em,
      `insert into gateway.users (id, username, username_key, roles, password_hash, disabled, must_change_password,
         last_sign_in_at, version, created_at, updated_at)
       values ('usr_1', 'Ada', 'ada', '["superadmin"]', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', false, true,
               null, 1, now(), now()),
              ('usr_2', 'Sam', 'sam', '["sales","viewer"]', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', true,
               false, now(), 4, now(), now())`,
    );
    await execute(
      em,
      `insert into gateway.sessions (token_hash, user_id, csrf_secret, created_at, last_seen_at, expires_at)
       values ('h1', 'usr_1', 'secret-1', now(), now(), now() + interval '8 hours')`,
    );
    await execute(
      em,
      `insert into gateway.module_activations (module, license_file, license_id, owner_company, end_date,
         activated_at, activated_by)
       values ('crm', $1, 'lic_crm', 'Vendor Ltd', null, now(), 'usr_1')`,
      [`-----BEGIN LICENSE FILE-----\n${"A".repeat(3000)}\n-----END LICENSE FILE-----`],
    );
    await execute(
      em,
      `insert into gateway.sign_in_throttle (scope, username_key, address, failures, updated_at, blocked_until,
         last_success_at)
       values ('pair', 'ada', '198.51.100.7', 2.5, now(), now() + interval '1 minute', null),
              ('address', '', '198.51.100.7', 0.25, now(), now(), now())`,
    );
  },
});
