import type { Account } from "@licensing/contracts";
import {
  AuditChanges,
  Can,
  ConfirmButton,
  CursorPager,
  formatDateTime,
  missing,
  notifySuccess,
  PageHeader,
  QueryError,
  useCursorPages,
} from "@licensing/ui/kit";
import {
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
} from "@mantine/core";
import { IconArchive, IconArrowBackUp, IconEdit, IconUserUp } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { AccountLicenses } from "../licenses/AccountLicenses.tsx";
import { TypeBadge } from "./AccountsPage.tsx";
import { useAccount, useAccountAction, useAccountHistory } from "./api.ts";
import { countryName } from "./countries.ts";

export function AccountPage() {
  const { id = "" } = useParams();
  const account = useAccount(id);
  if (account.isPending) return <Loader />;
  if (account.error)
    return (
      <QueryError error={account.error} retry={() => void account.refetch()} missing={missing.account} />
    );
  return <AccountView account={account.data} />;
}

function AccountView({ account }: { account: Account }) {
  // The tab is in the URL, so "back" from a license returns to the account's licenses.
  const [params, setParams] = useSearchParams();
  const tabs = ["details", "licenses", "history"] as const;
  const tab = tabs.find((t) => t === params.get("tab")) ?? "details";
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/crm/accounts" size="sm">
          Customer accounts
        </Anchor>
        <Text size="sm">{account.name}</Text>
      </Breadcrumbs>
      <PageHeader
        title={
          <Group gap="sm">
            {account.name}
            <TypeBadge type={account.type} />
            {account.archived && (
              <Badge color="gray" variant="outline">
                archived
              </Badge>
            )}
          </Group>
        }
        description={account.externalId ? `External CRM id ${account.externalId}` : undefined}
        actions={
          <Can action="account.write">
            <AccountActions account={account} />
          </Can>
        }
      />
      <Tabs
        value={tab}
        onChange={(value) => setParams(value && value !== "details" ? { tab: value } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="details">Details</Tabs.Tab>
          <Tabs.Tab value="licenses">Licenses</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="details" pt="md">
          <AccountDetails account={account} />
        </Tabs.Panel>
        <Tabs.Panel value="licenses" pt="md">
          <AccountLicenses accountId={account.id} archived={account.archived} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <AccountHistory accountId={account.id} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function AccountActions({ account }: { account: Account }) {
  const promote = useAccountAction(account.id, "promote");
  const archive = useAccountAction(account.id, "archive");
  const restore = useAccountAction(account.id, "restore");
  if (account.archived) {
    return (
      <ConfirmButton
        variant="default"
        leftSection={<IconArrowBackUp size={16} />}
        title={`Restore ${account.name}?`}
        message="The account comes back in lists and searches and can receive new licenses again."
        confirmLabel="Restore"
        loading={restore.isPending}
        onConfirm={() => restore.mutateAsync().then(() => notifySuccess(`${account.name} was restored.`))}
      >
        Restore
      </ConfirmButton>
    );
  }
  return (
    <>
      <Button
        component={Link}
        to={`/crm/accounts/${account.id}/edit`}
        variant="default"
        leftSection={<IconEdit size={16} />}
      >
        Edit
      </Button>
      {account.type === "prospect" && (
        <ConfirmButton
          variant="default"
          leftSection={<IconUserUp size={16} />}
          title={`Promote ${account.name} to customer?`}
          message="The prospect becomes a customer. This cannot be undone from the UI."
          confirmLabel="Promote"
          loading={promote.isPending}
          onConfirm={() =>
            promote.mutateAsync().then(() => notifySuccess(`${account.name} is now a customer.`))
          }
        >
          Promote to customer
        </ConfirmButton>
      )}
      <ConfirmButton
        color="red"
        variant="light"
        leftSection={<IconArchive size={16} />}
        title={`Archive ${account.name}?`}
        message="The account stays readable, with its licenses, but leaves lists and searches and gets no new licenses. You can restore it later."
        confirmLabel="Archive"
        loading={archive.isPending}
        onConfirm={() => archive.mutateAsync().then(() => notifySuccess(`${account.name} was archived.`))}
      >
        Archive
      </ConfirmButton>
    </>
  );
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function AccountDetails({ account }: { account: Account }) {
  return (
    <Stack>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="md">
          <Detail label="Country">
            {account.country ? `${countryName(account.country)} (${account.country})` : "—"}
          </Detail>
          <Detail label="Sales owner">{account.salesOwner ?? "—"}</Detail>
          <Detail label="External CRM id">{account.externalId ?? "—"}</Detail>
          <Detail label="Created">{formatDateTime(account.createdAt)}</Detail>
          <Detail label="Last changed">{formatDateTime(account.updatedAt)}</Detail>
          <Detail label="Account id">
            <Text size="sm" ff="monospace">
              {account.id}
            </Text>
          </Detail>
        </SimpleGrid>
      </Card>
      <Card withBorder>
        <Text fw={600} mb="xs">
          Contacts
        </Text>
        {account.contacts.length === 0 ? (
          <Text size="sm" c="dimmed">
            No contacts.
          </Text>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {account.contacts.map((contact, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: contacts have no id, and an email may repeat
                <Table.Tr key={index}>
                  <Table.Td>{contact.name}</Table.Td>
                  <Table.Td>
                    <Anchor href={`mailto:${contact.email}`} size="sm">
                      {contact.email}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{contact.role || "—"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Card withBorder>
        <Text fw={600} mb="xs">
          Notes
        </Text>
        <Text size="sm" style={{ whiteSpace: "pre-wrap" }} c={account.notes ? undefined : "dimmed"}>
          {account.notes || "No notes."}
        </Text>
      </Card>
    </Stack>
  );
}

/** Everything done to the account (its licenses' history is on each license). */
function AccountHistory({ accountId }: { accountId: string }) {
  const pages = useCursorPages(accountId, 25);
  const history = useAccountHistory(accountId, pages.cursor, pages.limit);
  if (history.isPending) return <Loader size="sm" />;
  if (history.error) return <QueryError error={history.error} retry={() => void history.refetch()} />;
  const entries = history.data.items;
  return (
    <Stack gap="xs">
      <Table striped aria-label="Account history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>What</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Changes</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={4}>
                <Text c="dimmed" size="sm">
                  Nothing recorded for this account yet.
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
          {entries.map((entry) => (
            <Table.Tr key={entry.id}>
              <Table.Td>{formatDateTime(entry.at)}</Table.Td>
              <Table.Td>{entry.action.replace(/^account\./, "")}</Table.Td>
              <Table.Td>{entry.actorName}</Table.Td>
              <Table.Td>
                <AuditChanges changes={entry.changes} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <CursorPager pages={pages} nextCursor={history.data.nextCursor} shown={entries.length} />
    </Stack>
  );
}
