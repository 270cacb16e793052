import { Migration } from "@mikro-orm/migrations";

/**
 * Where each license was made (LicenseModel's `ownerIpAddress` and `createdAtComputer`), as its
 * signed file says, so the license page can show them and a renewal signs them again. Licenses made
 * before this have none (their files say null).
 */
export class LicenseOrigin extends Migration {
  override name = "0010_license_origin";

  override up(): void {
    this.addSql("alter table licenses add column owner_ip_address text null");
    this.addSql("alter table licenses add column created_at_computer text null");
  }
}
