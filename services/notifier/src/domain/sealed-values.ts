import { SealedBox, type SealedColumn } from "@licensing/platform";
import { passwordPurpose } from "./settings.ts";

/** The notifier's sealed box: NOTIFIER_KEK seals, NOTIFIER_KEK_PREVIOUS still opens. */
export function notifierSealedBox(kek: Buffer, previousKeks: readonly Buffer[] = []): SealedBox {
  return new SealedBox({ current: kek, previous: previousKeks }, "NOTIFIER_KEK");
}

/** Every value the notifier keeps sealed: what `npm run kek:rotate` reseals. */
export const notifierSealedColumns: readonly SealedColumn[] = [
  {
    name: "SMTP passwords",
    table: "settings",
    keys: ["id"],
    read: "smtp_password_enc",
    write: "smtp_password_enc = $1",
    context: () => passwordPurpose,
  },
];
