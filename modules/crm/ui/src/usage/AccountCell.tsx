import { Anchor } from "@mantine/core";
import { Link } from "react-router";

/** A report row's account: its name from the catalog (its id when the catalog could not say), linked. */
export function AccountCell({ row }: { row: { accountId: string; accountName: string | null } }) {
  return (
    <Anchor component={Link} to={`/crm/accounts/${row.accountId}`} size="sm">
      {row.accountName ?? row.accountId}
    </Anchor>
  );
}
