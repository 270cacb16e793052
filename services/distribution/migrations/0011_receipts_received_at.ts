import { Migration } from "@mikro-orm/migrations";

/** When each receipt was received: the usage report's cockpit section counts receipts by it. */
export class ReceiptsReceivedAt extends Migration {
  override name = "0011_receipts_received_at";

  override up(): void | Promise<void> {
    this.addSql(`alter table "distribution"."receipts" add "received_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "distribution"."receipts" drop column "received_at";`);
  }
}
