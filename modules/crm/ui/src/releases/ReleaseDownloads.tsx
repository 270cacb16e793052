import type { ProductRelease } from "@licensing/contracts";
import { formatDateTime, QueryError, useCan } from "@licensing/ui/kit";
import { Anchor, Code, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { useReleaseDownloads } from "./api.ts";

/**
 * Who fetched a published release: downloads in all, per file, and per account (at most 100, most
 * downloads first). A download counts once, when it starts from the first byte.
 */
export function ReleaseDownloads({ release }: { release: ProductRelease }) {
  const downloads = useReleaseDownloads(release.id, release.state !== "draft");
  const canReadAccounts = useCan("account.read");
  if (release.state === "draft") return null;
  const fileName = new Map(release.artifacts.map((a) => [a.id, a.fileName]));
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Downloads
      </Title>
      {downloads.error ? (
        <QueryError error={downloads.error} retry={() => void downloads.refetch()} />
      ) : !downloads.data ? (
        <Loader size="sm" aria-label="Loading the downloads" />
      ) : downloads.data.total === 0 ? (
        <Text size="sm" c="dimmed">
          Not downloaded yet.
        </Text>
      ) : (
        <>
          <Text size="sm">
            {downloads.data.total.toLocaleString()} download{downloads.data.total === 1 ? "" : "s"}
            {downloads.data.byArtifact.length > 1 &&
              `: ${downloads.data.byArtifact
                .map((a) => `${fileName.get(a.artifactId) ?? a.artifactId} ${a.downloads.toLocaleString()}`)
                .join(", ")}`}
          </Text>
          <Table.ScrollContainer minWidth={480}>
            <Table withTableBorder striped maw={720}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Account</Table.Th>
                  <Table.Th ta="right">Downloads</Table.Th>
                  <Table.Th>Last</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {downloads.data.byAccount.map((row) => (
                  <Table.Tr key={row.accountId}>
                    <Table.Td>
                      {canReadAccounts ? (
                        <Anchor
                          component={Link}
                          to={`/crm/accounts/${row.accountId}`}
                          size="sm"
                          ff="monospace"
                        >
                          {row.accountId}
                        </Anchor>
                      ) : (
                        <Code>{row.accountId}</Code>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">{row.downloads.toLocaleString()}</Table.Td>
                    <Table.Td>{formatDateTime(row.lastAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Stack>
  );
}
