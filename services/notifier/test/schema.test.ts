import { execute } from "@licensing/platform";
import { schemaTests } from "@licensing/testing";
import { notifierDatabase } from "../src/database.ts";

schemaTests({
  definition: notifierDatabase,
  before: "0002_run_schedule",
  async seed(em) {
    await execute(
      em,
      `insert into notifier.settings (id, enabled, daily_time, time_zone, default_notify_days, recipients,
         include_creators, send_when_empty, from_address, from_name, ui_url, smtp_host, smtp_port, smtp_security,
         smtp_username, smtp_password_enc, installation_id, updated_by, version, created_at, updated_at)
       values (1, true, '07:30', 'Europe/Zurich', 45, '{ops@example.test,"Sales <sales@example.test>"}', true,
               false, 'licensing@example.test', 'Licensing', 'https://licensing.example.test', 'smtp.example.test',
               587, 'starttls', 'mailer', '\\x0102030405', 'a1b2c3d4e5f6', 'usr_1', 7, now(), now())`,
    );
    await execute(
      em,
      `insert into notifier.digest_runs (day, scheduled_at, outcome, attempts, lease_owner, lease_until,
         next_attempt_at, last_attempt_at, last_error, last_error_at, sent_at, message_id, row_count,
         recipient_count, created_at, updated_at, time_zone, daily_time)
       values ('2026-03-01', '2026-03-01T06:30:00Z', 'sent', 2, null, null, '2026-03-01T06:30:00Z',
               '2026-03-01T06:35:00Z', 'connection refused', '2026-03-01T06:31:00Z', '2026-03-01T06:35:02Z',
               '<digest@example.test>', 12, 2, now(), now(), 'Europe/Zurich', '07:30'),
              ('2026-03-02', '2026-03-02T06:30:00Z', null, 0, 'replica-a', now(), now(), null, null, null, null,
               null, null, null, now(), now(), null, null)`,
    );
  },
});
