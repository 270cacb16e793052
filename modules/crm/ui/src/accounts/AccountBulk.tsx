import type { Account } from "@licensing/contracts";
import { Can } from "@licensing/ui/kit";
import { Button, Text } from "@mantine/core";
import { IconDownload, IconUserUp } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { BulkRunDialog, SelectionBar } from "../bulk/BulkSelection.tsx";
import { download, type Noun } from "../bulk/bulk-kit.ts";
import { accountKeys } from "./api.ts";
import {
  type AccountFilter,
  accountReason,
  accountResultsCsv,
  accountsCsv,
  allMatchingAccounts,
  runAccountBulk,
} from "./bulk.ts";

const accounts: Noun = { one: "account", many: "accounts" };

/**
 * The bar above the accounts table while rows are selected: how many, "select all matching",
 * "Export selected" (what the table shows, to anyone who may read it) and, for `account.write`,
 * "Promote to customer…", the one change of type an account has (as on its page).
 */
export function AccountBulkBar({
  selected,
  onSelect,
  filter,
}: {
  selected: Account[];
  onSelect: (accounts: Account[]) => void;
  filter: AccountFilter;
}) {
  const [promoting, setPromoting] = useState(false);
  return (
    <>
      <SelectionBar
        noun={accounts}
        selected={selected}
        onSelect={onSelect}
        selectAll={() => allMatchingAccounts(filter)}
      >
        <Can action="account.write">
          <Button
            size="xs"
            variant="default"
            leftSection={<IconUserUp size={14} />}
            onClick={() => setPromoting(true)}
          >
            Promote to customer…
          </Button>
        </Can>
        <Button
          size="xs"
          variant="default"
          leftSection={<IconDownload size={14} />}
          onClick={() => download("accounts-selected.csv", accountsCsv(selected))}
        >
          Export selected
        </Button>
      </SelectionBar>
      {promoting && selected.length > 0 && (
        <PromoteDialog
          rows={selected}
          onClose={(finished) => {
            setPromoting(false);
            if (finished) onSelect([]);
          }}
        />
      )}
    </>
  );
}

/** "Promote 3 accounts to customers?", then progress, then each account's result. */
function PromoteDialog({ rows, onClose }: { rows: Account[]; onClose: (finished: boolean) => void }) {
  const queryClient = useQueryClient();
  const prospects = rows.filter((a) => a.type === "prospect").length;
  const others = rows.length - prospects;
  return (
    <BulkRunDialog
      noun={accounts}
      rows={rows}
      idOf={(account) => account.id}
      phrase={(count) => `Promote ${count} to customer${rows.length === 1 ? "" : "s"}`}
      doneWord="promoted"
      columns={[
        { title: "Account", render: (account) => account.name },
        { title: "Type before", render: (account) => account.type },
      ]}
      onConfirm={() => true}
      send={(bulkId, ids, onPart) => runAccountBulk(bulkId, "promote", ids, onPart)}
      onRan={() => void queryClient.invalidateQueries({ queryKey: accountKeys.all })}
      resultsCsv={accountResultsCsv}
      resultsFile="bulk-promote-results.csv"
      reasonOf={accountReason}
      onClose={onClose}
    >
      <Text size="sm">
        Each prospect becomes a customer, as "Promote to customer" does on its page; this cannot be undone
        from the UI. Archived accounts are refused (restore them first).
      </Text>
      {others > 0 && (
        <Text size="sm">
          {others === 1 ? "1 of them is" : `${others.toLocaleString()} of them are`} a customer already and
          will be reported as such.
        </Text>
      )}
    </BulkRunDialog>
  );
}
