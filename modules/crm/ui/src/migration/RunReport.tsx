import type { MigrationRun } from "@licensing/contracts";
import { Anchor, Card, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { formatCount } from "./run-text.ts";

interface Figure {
  label: string;
  value: number;
  /** What the number means, for the operator who wonders. */
  hint: string;
  color?: string;
}

function Figures({ title, figures }: { title: string; figures: Figure[] }) {
  return (
    <Stack gap={6}>
      <Title order={3} size="h5">
        {title}
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 7 }} spacing="xs">
        {figures.map((figure) => (
          <Card key={figure.label} withBorder padding="xs" title={figure.hint}>
            <Text size="xl" fw={700} c={figure.value > 0 ? figure.color : "dimmed"}>
              {formatCount(figure.value)}
            </Text>
            <Text size="sm" c="dimmed">
              {figure.label}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

/** What the run found and did: licenses, accounts and the products the catalog does not know. */
export function RunReport({ run }: { run: MigrationRun }) {
  const c = run.counts;
  const dry = run.mode === "dry-run";
  const would = (past: string, future: string) => (dry ? future : past);
  const licenses: Figure[] = [
    {
      label: would("new", "new (would be created)"),
      value: c.new,
      hint: "Not yet in the platform",
      color: "green",
    },
    {
      label: would("updated", "would be updated"),
      value: c.updated,
      hint: "Changed: a new version",
      color: "blue",
    },
    { label: "unchanged", value: c.unchanged, hint: "Already in the platform as they are" },
    { label: "invalid", value: c.invalid, hint: "Rows that could not be read or mapped", color: "red" },
    {
      label: "conflicting",
      value: c.conflicting,
      hint: "Their legacy key already belongs to another license",
      color: "red",
    },
    { label: "failed", value: c.failed, hint: "Refused by the issuer at apply", color: "red" },
    {
      label: "awaiting account",
      value: c.awaitingAccount,
      hint: "Left out until an account question is decided",
      color: "orange",
    },
  ];
  const accounts: Figure[] = [
    {
      label: would("created", "to create"),
      value: c.accountsCreated,
      hint: "New catalog accounts",
      color: "green",
    },
    { label: "matched", value: c.accountsMatched, hint: "Existing catalog accounts", color: "blue" },
    {
      label: "ambiguous",
      value: c.accountsAmbiguous,
      hint: "Owners the matching could not settle alone",
      color: "orange",
    },
  ];
  return (
    <Card withBorder component="section" aria-labelledby="run-report-title">
      <Stack>
        <Stack gap={2}>
          <Title order={2} size="h4" id="run-report-title">
            Report
          </Title>
          <Text size="sm" c="dimmed">
            {formatCount(c.rows)} rows read, {formatCount(c.valid)} valid
            {c.consumptionCarried > 0
              ? `; consumption carried for ${formatCount(c.consumptionCarried)} licenses`
              : ""}
            .
          </Text>
        </Stack>
        <Figures title="Licenses" figures={licenses} />
        <Figures title="Accounts" figures={accounts} />
        {c.awaitingAccount > 0 && (
          <Text size="sm">
            {formatCount(c.awaitingAccount)} licenses wait for a decision:{" "}
            <Anchor component={Link} to="/settings/migration#account-questions" size="sm">
              answer the account questions
            </Anchor>
            , then run again.
          </Text>
        )}
        <Stack gap={6}>
          <Title order={3} size="h5">
            Unknown products
          </Title>
          {run.unknownProducts.length === 0 ? (
            <Text size="sm" c="dimmed">
              None: every product code is known.
            </Text>
          ) : (
            <Table withTableBorder maw={480} fz="sm" aria-label="Unknown products">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Product code</Table.Th>
                  <Table.Th>Rows</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {run.unknownProducts.map((product) => (
                  <Table.Tr key={product.code}>
                    <Table.Td>{product.code}</Table.Td>
                    <Table.Td>{formatCount(product.rows)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </Stack>
    </Card>
  );
}
