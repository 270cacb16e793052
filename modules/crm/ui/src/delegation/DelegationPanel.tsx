import type { DelegationStatus } from "@licensing/contracts";
import { CursorPager, formatDateTime, isApiError, QueryError, useCursorPages } from "@licensing/ui/kit";
import {
  Badge,
  Code,
  Group,
  Loader,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { type ReactNode, useState } from "react";
import { NamedTable } from "../NamedTable.tsx";
import { Figure, Fingerprint, NotReceivedYet } from "../usage/UsagePanel.tsx";
import { useDelegation, useDelegationCollectors } from "./api.ts";
import { anomalyKinds, certificateState, certificateStates } from "./text.ts";

// A cockpit license's Fleet delegation tab (issue 19): the certificates its key was given, the
// collectors whose receipts came back, and what the receipt logs showed wrong. Every figure is the
// distribution service's, as the collectors last reported it; a fleet may hold thousands of
// collectors, so the figures come from the status and the table pages through the collectors.

export interface DelegationLicense {
  id: string;
  /** The license as operators name it (`…-7K3QD`), for the confirmations. */
  label: string;
  /** Fleet seats: -1 unlimited. */
  seats: number;
}

export function DelegationPanel({ license, actions }: { license: DelegationLicense; actions?: ReactNode }) {
  const status = useDelegation(license.id);
  if (status.isPending) return <Loader size="sm" />;
  if (isApiError(status.error, "not_found"))
    return <NotReceivedYet title="No delegation yet" retry={() => void status.refetch()} />;
  if (status.error) return <QueryError error={status.error} retry={() => void status.refetch()} />;
  const s = status.data;
  return (
    <Stack>
      {actions}
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        <Figure
          label="Seats in use"
          value={s.seatsInUse.toLocaleString()}
          hint={
            license.seats === -1
              ? "unlimited seats, as last reported"
              : `of ${license.seats.toLocaleString()} seats, as last reported`
          }
        />
        <Figure label="Collectors" value={s.collectorCount.toLocaleString()} hint="with receipts" />
        <Figure label="Receipts" value={s.receipts.toLocaleString()} hint="accepted, each counted once" />
        <Figure label="Units" value={s.units.toLocaleString()} hint="counted from the receipts" />
      </SimpleGrid>
      <Certificates certificates={s.certificates} />
      <Collectors licenseId={license.id} received={s.collectorCount > 0 || s.collectors.length > 0} />
      <Anomalies anomalies={s.anomalies} />
    </Stack>
  );
}

const none = (text: string) => (
  <Text size="sm" c="dimmed">
    {text}
  </Text>
);

/** A titled part of the tab: `children`, or the sentence `empty` says when there is nothing to list. */
function Section({ title, empty, children }: { title: string; empty: string | false; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Title order={2} size="h5">
        {title}
      </Title>
      {empty ? none(empty) : children}
    </Stack>
  );
}

function Certificates({ certificates }: { certificates: DelegationStatus["certificates"] }) {
  const now = Date.now();
  return (
    <Section
      title="Delegation certificates"
      empty={certificates.length === 0 && "No certificate was signed for this license's cockpit yet."}
    >
      <NamedTable
        label="Delegation certificates"
        headers={["Serial", "Authority key id", "Issued", "Expires"]}
        minWidth={640}
      >
        {certificates.map((c) => {
          const state = certificateStates[certificateState(c, now)];
          return (
            <Table.Tr key={c.certificateId}>
              <Table.Td>{c.serial}</Table.Td>
              <Table.Td>
                <Code fz="xs">{c.authorityKeyId}</Code>
              </Table.Td>
              <Table.Td>{formatDateTime(c.issuedAt)}</Table.Td>
              <Table.Td>
                {formatDateTime(c.expiresAt)}{" "}
                <Badge color={state.color} variant="light" size="sm">
                  {state.label}
                </Badge>
                {c.revokedAt && (
                  <Text size="xs" c="dimmed">
                    revoked {formatDateTime(c.revokedAt)}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </NamedTable>
    </Section>
  );
}

/** The table's seat filter, as the segmented control names it; "all" sends no filter. */
const seatFilters = {
  all: undefined,
  holding: true,
  free: false,
} as const;
type SeatFilter = keyof typeof seatFilters;

/** The collectors, a page at a time by machine key id; `received`: the status counted at least one. */
function Collectors({ licenseId, received }: { licenseId: string; received: boolean }) {
  const [seat, setSeat] = useState<SeatFilter>("all");
  const pages = useCursorPages(seat, 50);
  const collectors = useDelegationCollectors(licenseId, {
    holdingSeat: seatFilters[seat],
    cursor: pages.cursor,
    limit: pages.limit,
  });
  const rows = collectors.data?.items ?? [];
  return (
    <Section title="Collectors" empty={!received && "No collector's receipts have come back yet."}>
      <Group>
        <SegmentedControl
          aria-label="Seat"
          size="xs"
          value={seat}
          onChange={(value) => setSeat(value as SeatFilter)}
          data={[
            { value: "all", label: "Every collector" },
            { value: "holding", label: "Holding a seat" },
            { value: "free", label: "Not holding a seat" },
          ]}
        />
      </Group>
      {collectors.error ? (
        <QueryError error={collectors.error} retry={() => void collectors.refetch()} />
      ) : collectors.isPending ? (
        <Loader size="sm" />
      ) : (
        <Stack gap={0}>
          <NamedTable
            label="Collectors"
            headers={["Machine", "Fingerprint", "Lease", "Seat", "Receipts", "Units", "Last receipt"]}
            minWidth={880}
          >
            {rows.map((c) => (
              <Table.Tr key={c.machine}>
                <Table.Td>
                  <Code fz="xs">{c.machine}</Code>
                </Table.Td>
                <Table.Td maw={260}>{c.fingerprint ? <Fingerprint value={c.fingerprint} /> : "—"}</Table.Td>
                <Table.Td>
                  {c.leaseId ? <Code fz="xs">{c.leaseId}</Code> : "None (the cockpit's own)"}
                </Table.Td>
                <Table.Td>{c.holdingSeat ? "Held" : "—"}</Table.Td>
                <Table.Td>{c.receipts.toLocaleString()}</Table.Td>
                <Table.Td>{c.units.toLocaleString()}</Table.Td>
                <Table.Td>{c.lastReceiptAt ? formatDateTime(c.lastReceiptAt) : "—"}</Table.Td>
              </Table.Tr>
            ))}
          </NamedTable>
          {rows.length === 0 && none("No collector matches this filter.")}
          <CursorPager pages={pages} nextCursor={collectors.data?.nextCursor} shown={rows.length} />
        </Stack>
      )}
    </Section>
  );
}

/** The anomalies of receipt logs, in words; also what an import reports. */
export function AnomaliesTable({
  anomalies,
  label,
}: {
  anomalies: DelegationStatus["anomalies"];
  label: string;
}) {
  return (
    <NamedTable label={label} headers={["Kind", "Machine", "Position", "Message", "When"]} minWidth={720}>
      {anomalies.map((a, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: anomalies have no id, and one may repeat
        <Table.Tr key={i}>
          <Table.Td>
            {/* Its whole width: a long message beside it would otherwise cut the kind to "Receipts miss…". */}
            <Badge color="red" variant="light" size="sm" miw="max-content">
              {anomalyKinds[a.kind]}
            </Badge>
          </Table.Td>
          <Table.Td>{a.machine ? <Code fz="xs">{a.machine}</Code> : "Unknown"}</Table.Td>
          <Table.Td>{a.seq === null ? "—" : a.seq.toLocaleString()}</Table.Td>
          <Table.Td>{a.message}</Table.Td>
          <Table.Td>{formatDateTime(a.detectedAt)}</Table.Td>
        </Table.Tr>
      ))}
    </NamedTable>
  );
}

function Anomalies({ anomalies }: { anomalies: DelegationStatus["anomalies"] }) {
  return (
    <Section
      title="Anomalies"
      empty={
        anomalies.length === 0 &&
        "No anomalies were detected in the receipts: no gaps, forks, broken links or altered receipts."
      }
    >
      <AnomaliesTable anomalies={anomalies} label="Anomalies" />
      {anomalies.length >= 100 && none("The 100 most recent anomalies are shown.")}
    </Section>
  );
}
