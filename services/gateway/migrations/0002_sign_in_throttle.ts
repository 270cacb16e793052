import { Migration } from "@mikro-orm/migrations";

/**
 * The sign-in throttle's counters (src/domain/sign-in-throttle.ts), shared by every replica: one row
 * per (scope, username, address), `''` where a scope does not use a part.
 */
export class SignInThrottle extends Migration {
  override name = "0002_sign_in_throttle";

  override up(): void {
    this.addSql(`create table sign_in_throttle (
      scope text not null check (scope in ('address', 'pair', 'username')),
      username_key text not null,
      address text not null,
      failures double precision not null default 0,
      updated_at timestamptz not null,
      blocked_until timestamptz not null,
      last_success_at timestamptz null,
      primary key (scope, username_key, address))`);
    this.addSql("create index sign_in_throttle_updated_at on sign_in_throttle (updated_at)");
  }
}
