import type { AuditEntry, LicenseDetail } from "@licensing/contracts";
import {
  Can,
  CopyKey,
  formatDate,
  formatDateTime,
  missing,
  PageHeader,
  QueryError,
  reveal,
  useCan,
} from "@licensing/ui/kit";
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Code,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  VisuallyHidden,
} from "@mantine/core";
import { IconCopy, IconDownload, IconEye, IconPencil } from "@tabler/icons-react";
import { type ReactNode, useEffect, useMemo, useRef } from "react";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { DelegationActions } from "../delegation/DelegationActions.tsx";
import { DelegationPanel } from "../delegation/DelegationPanel.tsx";
import { UsagePanel } from "../usage/UsagePanel.tsx";
import type { AmendedState } from "./AmendPage.tsx";
import { fileUrl, useAudit, useLicense, useRevealKey, useVersions } from "./api.ts";
import { LicenseEntries } from "./LicenseEntries.tsx";
import { KindBadge, limitText, StatusBadge } from "./LicenseTable.tsx";
import { LifecycleActions } from "./LifecycleActions.tsx";

export function LicensePage() {
  const { id = "" } = useParams();
  const license = useLicense(id);
  if (license.isPending) return <Loader />;
  if (license.error)
    return (
      <QueryError error={license.error} retry={() => void license.refetch()} missing={missing.license} />
    );
  return <LicenseView license={license.data} />;
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {/* Ids, keys and fingerprints break anywhere rather than widen a phone's page. */}
      <Text size="sm" component="div" style={{ overflowWrap: "anywhere" }}>
        {children}
      </Text>
    </div>
  );
}

const list = (items: string[]) => (items.length ? items.join(", ") : "None");

function LicenseView({ license: l }: { license: LicenseDetail }) {
  // The key in clear and the signed files are secrets of their own (`license.reveal`): viewers read
  // the license without them.
  const mayReveal = useCan("license.reveal");
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/crm/licenses" size="sm">
          Licenses
        </Anchor>
        <Text size="sm">…-{l.keyHint}</Text>
      </Breadcrumbs>
      <PageHeader
        title={
          <Group gap="sm">
            License …-{l.keyHint}
            <StatusBadge status={l.status} />
            <KindBadge kind={l.kind} internal={l.internal} />
          </Group>
        }
        description={
          <>
            For{" "}
            <Anchor component={Link} to={`/crm/accounts/${l.accountId}`} size="sm">
              {l.accountName}
            </Anchor>{" "}
            · version {l.serial}, signed {formatDateTime(l.signedAt)}
          </>
        }
        actions={
          <>
            {mayReveal && (
              <Button
                component="a"
                href={fileUrl(l.id)}
                download
                variant="default"
                leftSection={<IconDownload size={16} />}
              >
                Download file
              </Button>
            )}
            {l.state !== "revoked" && (
              <Can action="license.amend">
                <Button
                  component={Link}
                  to={`/crm/licenses/${l.id}/amend`}
                  variant="default"
                  leftSection={<IconPencil size={16} />}
                >
                  Amend
                </Button>
              </Can>
            )}
            <Can action="license.create.test">
              <Button
                component={Link}
                to={`/crm/generator?from=${l.id}`}
                variant="default"
                leftSection={<IconCopy size={16} />}
              >
                Clone as new license
              </Button>
            </Can>
            <LifecycleActions license={l} />
          </>
        }
      />
      <AmendedOutcome license={l} />
      {l.stateReason && (
        <Alert color={l.state === "revoked" ? "red" : "orange"} variant="light" title={`${l.state} — reason`}>
          {l.stateReason}
        </Alert>
      )}
      {mayReveal && <RevealKey id={l.id} />}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="md">
          <Detail label="Products">
            {l.products.map((code, i) => `${l.productFriendlyNames[i] ?? code} (${code})`).join(", ")}
          </Detail>
          <Detail label="License type (informational)">{l.licenseType}</Detail>
          <Detail label="Start">{formatDateTime(l.startDate)}</Detail>
          <Detail label="End">{l.endDate ? formatDateTime(l.endDate) : "No end (perpetual)"}</Detail>
          <Detail label="Notice">
            {l.notifyDays === null ? "The notifier's default" : `${l.notifyDays} days`}
          </Detail>
          <Detail label="Units type">{l.unitsType}</Detail>
          <Detail label="Accumulated units">{limitText(l.accumulatedUnits)}</Detail>
          <Detail label="Units per execution">
            {l.unitsPerExecution === -1 ? "No limit" : l.unitsPerExecution.toLocaleString()}
          </Detail>
          <Detail label="Available activations">{limitText(l.availableActivations)}</Detail>
          <Detail label="Seats">{l.seats === 0 ? "None" : limitText(l.seats)}</Detail>
          <Detail label="Fingerprint">{l.fingerprint ? <Code>{l.fingerprint}</Code> : "Any machine"}</Detail>
          <Detail label="Encrypted file">{l.encrypted ? "Yes" : "No"}</Detail>
          <Detail label="Execution modes">{list(l.executionModes)}</Detail>
          <Detail label="Custom features">{list(l.customFeatures)}</Detail>
          <Detail label="Owner">
            {l.ownerCompany}
            {l.ownerName ? ` · ${l.ownerName}` : ""}
            {l.ownerEmail ? ` · ${l.ownerEmail}` : ""}
          </Detail>
          <Detail label="Created">
            {formatDateTime(l.createdAt)} by {l.createdByName}
          </Detail>
          <Detail label="Created at computer">{l.createdAtComputer ?? "Not recorded"}</Detail>
          <Detail label="Owner IP address">{l.ownerIpAddress ?? "Not recorded"}</Detail>
          <Detail label="First issued">{formatDateTime(l.dateIssued)}</Detail>
          <Detail label="Signing key">
            <Code>{l.keyId}</Code>
          </Detail>
          <Detail label="License id">
            <Code>{l.id}</Code>
          </Detail>
          {l.batchId && (
            <Detail label="Batch">
              <Code>{l.batchId}</Code>
            </Detail>
          )}
          {l.presetId && (
            <Detail label="From preset">
              <Code>{l.presetId}</Code>
            </Detail>
          )}
        </SimpleGrid>
        <KeyValues license={l} />
      </Card>
      <LicenseTabs license={l} />
    </Stack>
  );
}

/**
 * After an amendment (the amend page's router state): what was done, focused and announced, so the
 * outcome is where the user looks; the version history below lists the new version.
 */
function AmendedOutcome({ license: l }: { license: LicenseDetail }) {
  const location = useLocation();
  const navigate = useNavigate();
  const outcome = (location.state as AmendedState | null)?.amended;
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (outcome) reveal(panel.current);
  }, [outcome]);
  if (!outcome || outcome.serial !== l.serial) return null;
  const text = `Version ${outcome.serial} is signed${outcome.what ? ` with the new ${outcome.what}` : ""}. The customer downloads the new file; the change is in the version history and the audit trail.`;
  return (
    <>
      <VisuallyHidden role="status" aria-live="polite" aria-atomic="true">
        {`The license was amended. ${text}`}
      </VisuallyHidden>
      <Alert
        ref={panel}
        tabIndex={-1}
        color="green"
        variant="light"
        title="License amended"
        withCloseButton
        closeButtonLabel="Dismiss"
        onClose={() =>
          navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null })
        }
      >
        {text}
      </Alert>
    </>
  );
}

/** Metadata and friendly restrictions, collapsed: each may hold up to 2 MiB. */
function KeyValues({ license: l }: { license: LicenseDetail }) {
  const metadata = useMemo(
    () => Object.entries(l.metadata).map(([key, value]) => ({ key, value })),
    [l.metadata],
  );
  if (metadata.length === 0 && l.friendlyRestrictions.length === 0) return null;
  return (
    <Stack mt="md" gap="md">
      {metadata.length > 0 && (
        <LicenseEntries
          label="Metadata"
          entries={metadata}
          json={l.metadata}
          fileName={`license-${l.id}-metadata.json`}
        />
      )}
      {l.friendlyRestrictions.length > 0 && (
        <LicenseEntries
          label="Friendly restrictions"
          entries={l.friendlyRestrictions}
          json={l.friendlyRestrictions}
          fileName={`license-${l.id}-restrictions.json`}
        />
      )}
    </Stack>
  );
}

const tabs = ["versions", "usage", "delegation", "audit"] as const;
type Tab = (typeof tabs)[number];

/**
 * The tab is in the URL (`?tab=usage`), so a link can open the Usage tab and a reload keeps it. Fleet
 * delegation is a cockpit license's (one with fleet seats), read with the usage right.
 */
function LicenseTabs({ license: l }: { license: LicenseDetail }) {
  const [params, setParams] = useSearchParams();
  const usage = useCan("usage.read");
  const delegation = usage && l.seats !== 0;
  const shown: Record<Tab, boolean> = { versions: true, usage, delegation, audit: true };
  const asked = params.get("tab") as Tab;
  const tab: Tab = tabs.includes(asked) && shown[asked] ? asked : "versions";
  const delegated = { id: l.id, label: `License …-${l.keyHint}`, seats: l.seats };
  return (
    <Tabs
      value={tab}
      onChange={(value) => setParams(value && value !== "versions" ? { tab: value } : {}, { replace: true })}
      keepMounted={false}
    >
      <Tabs.List>
        <Tabs.Tab value="versions">Version history</Tabs.Tab>
        {usage && <Tabs.Tab value="usage">Usage</Tabs.Tab>}
        {delegation && <Tabs.Tab value="delegation">Fleet delegation</Tabs.Tab>}
        <Tabs.Tab value="audit">Audit trail</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="versions" pt="md">
        <Versions id={l.id} />
      </Tabs.Panel>
      {usage && (
        <Tabs.Panel value="usage" pt="md">
          <UsagePanel licenseId={l.id} />
        </Tabs.Panel>
      )}
      {delegation && (
        <Tabs.Panel value="delegation" pt="md">
          <DelegationPanel
            license={delegated}
            actions={
              <Can action="usage.manage">
                <DelegationActions license={delegated} />
              </Can>
            }
          />
        </Tabs.Panel>
      )}
      <Tabs.Panel value="audit" pt="md">
        <Audit id={l.id} />
      </Tabs.Panel>
    </Tabs>
  );
}

/** The key in clear, on request: the issuer records who looked. */
function RevealKey({ id }: { id: string }) {
  const reveal = useRevealKey(id);
  if (reveal.data)
    return (
      <Group gap={4}>
        <Text size="sm">License key</Text>
        <Code fz="sm" data-testid="license-key">
          {reveal.data.licenseKey}
        </Code>
        <CopyKey value={reveal.data.licenseKey} />
      </Group>
    );
  return (
    <Group gap="xs">
      <Button
        size="xs"
        variant="subtle"
        leftSection={<IconEye size={14} />}
        loading={reveal.isPending}
        onClick={() => reveal.mutate()}
      >
        Reveal key
      </Button>
      <Text size="xs" c="dimmed">
        Showing the key is recorded in the audit trail.
      </Text>
    </Group>
  );
}

function Versions({ id }: { id: string }) {
  const versions = useVersions(id);
  const mayDownload = useCan("license.reveal");
  if (versions.isPending) return <Loader size="sm" />;
  if (versions.error) return <QueryError error={versions.error} retry={() => void versions.refetch()} />;
  return (
    // On a phone the table scrolls within itself; the page keeps to the screen's width.
    <Table.ScrollContainer minWidth={640}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Why</Table.Th>
            <Table.Th>Signed</Table.Th>
            <Table.Th>End</Table.Th>
            <Table.Th>Key</Table.Th>
            <Table.Th>By</Table.Th>
            {mayDownload && <Table.Th>File</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.data.map((v) => (
            <Table.Tr key={v.serial}>
              <Table.Td>{v.serial}</Table.Td>
              <Table.Td>{v.amended ? "amended" : v.reason}</Table.Td>
              <Table.Td>{formatDateTime(v.signedAt)}</Table.Td>
              <Table.Td>{v.endDate ? formatDate(v.endDate) : "No end"}</Table.Td>
              <Table.Td>
                <Code>{v.keyId}</Code>
              </Table.Td>
              {/* The name, as the audit trail shows it; the id on hover. */}
              <Table.Td title={v.createdBy}>{v.createdByName}</Table.Td>
              {mayDownload && (
                <Table.Td>
                  <Anchor href={fileUrl(id, v.serial)} download size="sm">
                    Download ({(v.size / 1024).toFixed(1)} KB)
                  </Anchor>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function changeText(changes: AuditEntry["changes"]): string {
  const show = (v: unknown) =>
    v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);
  return Object.entries(changes)
    .map(([field, [before, after]]) => `${field}: ${show(before)} → ${show(after)}`)
    .join("; ");
}

function Audit({ id }: { id: string }) {
  const audit = useAudit(id);
  if (audit.isPending) return <Loader size="sm" />;
  if (audit.error) return <QueryError error={audit.error} retry={() => void audit.refetch()} />;
  return (
    // On a phone the table scrolls within itself; the page keeps to the screen's width.
    <Table.ScrollContainer minWidth={640}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>What</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th>Changes</Table.Th>
            <Table.Th>Request</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {audit.data.map((entry) => (
            <Table.Tr key={entry.id}>
              <Table.Td>{formatDateTime(entry.at)}</Table.Td>
              <Table.Td>{entry.action.replace(/^license\./, "")}</Table.Td>
              <Table.Td>{entry.actorName}</Table.Td>
              <Table.Td>{entry.reason ?? "—"}</Table.Td>
              <Table.Td>
                <Text size="xs">{changeText(entry.changes) || "—"}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace">
                  {entry.requestId ?? "—"}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
