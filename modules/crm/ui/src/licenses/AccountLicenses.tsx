import { Can } from "@licensing/ui/kit";
import { Anchor, Button, Group, Stack } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { type LicenseFilters, licensesLink, noFilters } from "./filters.ts";
import { ColumnChooser, LicenseTable } from "./LicenseTable.tsx";

/** An account's licenses (the licenses table, filtered), with a shortcut to generate one for it. */
export function AccountLicenses({ accountId, archived }: { accountId: string; archived: boolean }) {
  const [sort, setSort] = useState<Pick<LicenseFilters, "sort" | "order">>({
    sort: "createdAt",
    order: "desc",
  });
  const filters: LicenseFilters = { ...noFilters, accountId, ...sort };
  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          {!archived && (
            <Can action="license.create.test">
              <Button
                component={Link}
                to={`/crm/generator?accountId=${encodeURIComponent(accountId)}`}
                leftSection={<IconPlus size={16} />}
              >
                New license
              </Button>
            </Can>
          )}
          <Anchor component={Link} to={licensesLink({ accountId })} size="sm">
            Open in the licenses table (filters, export)
          </Anchor>
        </Group>
        <ColumnChooser />
      </Group>
      <LicenseTable
        filters={filters}
        onSort={(s, order) => setSort({ sort: s, order })}
        emptyText="This account has no licenses yet"
      />
    </Stack>
  );
}
