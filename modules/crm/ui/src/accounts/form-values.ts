import type { Account } from "@licensing/contracts";
import { emptyToNull } from "@licensing/ui/kit";
import type { CreateAccount, UpdateAccount } from "./api.ts";

/** What the account form edits: text inputs hold strings; empty ones travel as `null`. */
export interface AccountFormValues {
  type: Account["type"];
  name: string;
  externalId: string;
  country: string;
  salesOwner: string;
  notes: string;
  /** `key` identifies a contact row while it is edited; it is not sent. */
  contacts: { key: string; name: string; email: string; role: string }[];
}

let nextKey = 0;
/** A blank contact row with a key of its own. */
export function newContact(
  contact: { name: string; email: string; role: string } = { name: "", email: "", role: "" },
) {
  nextKey += 1;
  return { key: `contact-${nextKey}`, ...contact };
}

export const emptyAccount: AccountFormValues = {
  type: "customer",
  name: "",
  externalId: "",
  country: "",
  salesOwner: "",
  notes: "",
  contacts: [],
};

export function accountToForm(account: Account): AccountFormValues {
  return {
    type: account.type,
    name: account.name,
    externalId: account.externalId ?? "",
    country: account.country ?? "",
    salesOwner: account.salesOwner ?? "",
    notes: account.notes,
    contacts: account.contacts.map((c) => newContact({ name: c.name, email: c.email, role: c.role })),
  };
}

function fields(values: AccountFormValues) {
  return {
    name: values.name,
    externalId: emptyToNull(values.externalId),
    country: emptyToNull(values.country),
    salesOwner: emptyToNull(values.salesOwner),
    notes: values.notes,
    contacts: values.contacts.map((c) => ({ name: c.name, email: c.email.trim(), role: c.role })),
  };
}

export function toCreateRequest(values: AccountFormValues): CreateAccount {
  return { type: values.type, ...fields(values) };
}

/**
 * An update of every editable field, applied only if nobody changed the account since it was loaded
 * (`expectedVersion`); the type changes only by promotion.
 */
export function toUpdateRequest(
  account: Pick<Account, "id" | "version">,
  values: AccountFormValues,
): UpdateAccount {
  return { id: account.id, expectedVersion: account.version, ...fields(values) };
}
