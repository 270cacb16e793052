import type { Lease, LicenseUsage, Machine } from "@licensing/contracts";
import { formatDateTime, isApiError, QueryError, useCan } from "@licensing/ui/kit";
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconInfoCircle } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useDeactivateMachine, useLicenseUsage, useReleaseLease } from "./api.ts";
import { FreeButton } from "./FreeButton.tsx";

// A license's Usage tab: what the distribution service knows of its use. Every figure comes from
// there (units are counted there, never in the file); -1 means unlimited throughout.

const unlimited = (n: number) => n === -1;

/** A figure of a license's use, in a card named by its label. */
export function Figure({
  label,
  value,
  hint,
  long = false,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  /** A date rather than a number: a smaller size keeps it on one line. */
  long?: boolean;
}) {
  return (
    <Card withBorder padding="sm" role="group" aria-label={label}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={long ? "md" : "xl"} fw={700} component="div" py={long ? 4 : 0}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed" component="div">
          {hint}
        </Text>
      )}
    </Card>
  );
}

const machineColors: Record<Machine["status"], string> = {
  active: "teal",
  deactivated: "gray",
  released: "orange",
};

/** A fingerprint in full (they can be long): monospace, wrapping anywhere. */
export function Fingerprint({ value }: { value: string }) {
  return (
    <Code fz="xs" style={{ wordBreak: "break-all" }}>
      {value}
    </Code>
  );
}

/** A license the distribution service has not received yet (it does moments after it is issued). */
export function NotReceivedYet({ title, retry }: { title: string; retry: () => void }) {
  return (
    <Alert color="blue" variant="light" icon={<IconInfoCircle />} title={title}>
      <Text size="sm">
        The distribution service has not received this license yet; it does moments after it is issued.
      </Text>
      <Button mt="sm" size="xs" variant="light" onClick={retry}>
        Look again
      </Button>
    </Alert>
  );
}

export function UsagePanel({ licenseId }: { licenseId: string }) {
  const usage = useLicenseUsage(licenseId);
  if (usage.isPending) return <Loader size="sm" />;
  if (isApiError(usage.error, "not_found"))
    return <NotReceivedYet title="No usage yet" retry={() => void usage.refetch()} />;
  if (usage.error) return <QueryError error={usage.error} retry={() => void usage.refetch()} />;
  return <UsageView usage={usage.data} />;
}

function UsageView({ usage: u }: { usage: LicenseUsage }) {
  const { balance } = u;
  const limited = !unlimited(balance.accumulatedUnits);
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 6 }} spacing="sm">
        <Figure
          label="Units consumed"
          value={balance.unitsConsumed.toLocaleString()}
          hint={
            limited ? (
              <>
                <Progress
                  aria-label="Share of the units consumed"
                  value={Math.min(100, (balance.unitsConsumed / Math.max(1, balance.accumulatedUnits)) * 100)}
                  size="sm"
                  my={4}
                />
                of {balance.accumulatedUnits.toLocaleString()}
              </>
            ) : (
              "of an unlimited balance"
            )
          }
        />
        <Figure
          label="Units remaining"
          value={unlimited(balance.unitsRemaining) ? "Unlimited" : balance.unitsRemaining.toLocaleString()}
          hint={
            unlimited(balance.unitsRemaining)
              ? "accumulated units -1: no limit"
              : unlimited(balance.unitsPerExecution)
                ? "no limit per execution"
                : `at most ${balance.unitsPerExecution.toLocaleString()} per execution`
          }
        />
        <Figure
          label="Last use"
          value={balance.lastUsedAt ? formatDateTime(balance.lastUsedAt) : "Never"}
          long
          hint="last usage report received"
        />
        <Figure
          label="Downloads"
          value={u.timesDownloaded.toLocaleString()}
          hint={u.lastDownloadedAt ? `last ${formatDateTime(u.lastDownloadedAt)}` : "never downloaded"}
        />
        <Figure
          label="Active machines"
          value={u.activeMachines.toLocaleString()}
          hint={
            unlimited(u.availableActivations)
              ? "no activation limit"
              : `of ${u.availableActivations.toLocaleString()} activations`
          }
        />
        <Figure
          label="Fleet leases held"
          value={u.seats === 0 ? "—" : u.leases.length.toLocaleString()}
          hint={
            u.seats === 0
              ? "no fleet seats"
              : unlimited(u.seats)
                ? "unlimited seats"
                : `of ${u.seats.toLocaleString()} seats`
          }
        />
      </SimpleGrid>
      <Machines licenseId={u.licenseId} machines={u.machines} />
      {(u.seats !== 0 || u.leases.length > 0) && <Leases licenseId={u.licenseId} leases={u.leases} />}
    </Stack>
  );
}

function MachineState({ machine: m }: { machine: Machine }) {
  const note =
    m.status === "active"
      ? m.lastHeartbeatAt
        ? `heartbeat ${formatDateTime(m.lastHeartbeatAt)}`
        : null
      : `${m.endReason ?? m.status} · ${formatDateTime(m.endedAt)}`;
  return (
    <Stack gap={2}>
      <Group gap={4} wrap="nowrap">
        <Badge color={machineColors[m.status]} variant="light" size="sm">
          {m.status}
        </Badge>
        {m.offline && (
          <Tooltip label="Activated with a request file: never released for silence">
            <Badge color="gray" variant="outline" size="sm">
              offline
            </Badge>
          </Tooltip>
        )}
      </Group>
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Stack>
  );
}

function Machines({ licenseId, machines }: { licenseId: string; machines: Machine[] }) {
  const manage = useCan("usage.manage");
  const deactivate = useDeactivateMachine(licenseId);
  return (
    <Stack gap="xs">
      <Title order={2} size="h5">
        Activated machines
      </Title>
      {machines.length === 0 ? (
        <Text size="sm" c="dimmed">
          No machine has activated this license.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-label="Activated machines">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Hostname</Table.Th>
                <Table.Th>Fingerprint</Table.Th>
                <Table.Th>Platform</Table.Th>
                <Table.Th>First seen</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>State</Table.Th>
                {manage && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {machines.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>{m.hostname || "—"}</Table.Td>
                  <Table.Td maw={260}>
                    <Fingerprint value={m.fingerprint} />
                  </Table.Td>
                  <Table.Td>{m.platform || "—"}</Table.Td>
                  <Table.Td>{formatDateTime(m.activatedAt)}</Table.Td>
                  <Table.Td>{formatDateTime(m.lastSeenAt)}</Table.Td>
                  <Table.Td>
                    <MachineState machine={m} />
                  </Table.Td>
                  {manage && (
                    <Table.Td>
                      {m.status === "active" && (
                        <FreeButton
                          label="Deactivate"
                          ariaLabel={`Deactivate ${m.hostname || m.fingerprint}`}
                          title={`Deactivate ${m.hostname || "this machine"}?`}
                          message={
                            <>
                              Its activation ends and one of the license's activations is free. The product on{" "}
                              <Code>{m.fingerprint}</Code> is refused at its next heartbeat and must activate
                              again to run.
                            </>
                          }
                          done="The machine is deactivated."
                          target={m.id}
                          mutation={deactivate}
                        />
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {machines.length >= 500 && (
        <Text size="xs" c="dimmed">
          The 500 most recent machines are shown (the active ones first).
        </Text>
      )}
    </Stack>
  );
}

function Leases({ licenseId, leases }: { licenseId: string; leases: Lease[] }) {
  const manage = useCan("usage.manage");
  const release = useReleaseLease(licenseId);
  return (
    <Stack gap="xs">
      <Title order={2} size="h5">
        Fleet leases held
      </Title>
      {leases.length === 0 ? (
        <Text size="sm" c="dimmed">
          No collector holds a seat now.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped aria-label="Fleet leases held">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Collector</Table.Th>
                <Table.Th>Fingerprint</Table.Th>
                <Table.Th>Acquired</Table.Th>
                <Table.Th>Renewed</Table.Th>
                <Table.Th>Expires</Table.Th>
                {manage && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {leases.map((l) => (
                <Table.Tr key={l.id}>
                  <Table.Td>{l.hostname || "—"}</Table.Td>
                  <Table.Td maw={260}>
                    <Fingerprint value={l.fingerprint} />
                  </Table.Td>
                  <Table.Td>{formatDateTime(l.acquiredAt)}</Table.Td>
                  <Table.Td>{formatDateTime(l.renewedAt)}</Table.Td>
                  <Table.Td>{formatDateTime(l.expiresAt)}</Table.Td>
                  {manage && (
                    <Table.Td>
                      <FreeButton
                        label="Release"
                        ariaLabel={`Release the seat of ${l.hostname || l.fingerprint}`}
                        title={`Release the seat of ${l.hostname || "this collector"}?`}
                        message="The seat is free at once for another collector. This one gets a seat back at its next renewal only if one is free then."
                        done="The lease is released."
                        target={l.id}
                        mutation={release}
                      />
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
