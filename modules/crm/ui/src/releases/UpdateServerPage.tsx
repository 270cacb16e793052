import "mantine-datatable/styles.css";
import type { ProductRelease } from "@licensing/contracts";
import { Can, formatDateTime, PageHeader, QueryError } from "@licensing/ui/kit";
import { Anchor, Badge, Button, Group, Select, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconPlus } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useProducts } from "../products/api.ts";
import { type ReleaseFilters, useChannels, useReleases } from "./api.ts";
import { ChannelsSection } from "./ChannelsSection.tsx";
import { NewReleaseDialog } from "./NewReleaseDialog.tsx";
import { formatBytes, stateColor, stateLabel, totalSize } from "./text.ts";

const states = ["draft", "published", "yanked"] as const;
const isState = (value: string | null): value is ProductRelease["state"] =>
  states.includes(value as ProductRelease["state"]);

/**
 * CRM → Update server: a product's releases (product, channel and state in the address, so a view
 * can be shared), a new draft, and the release channels.
 */
export function UpdateServerPage() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const products = useProducts();
  const channels = useChannels();
  const [creating, { open, close }] = useDisclosure(false);

  const asked = params.get("product");
  const product = asked ?? products.data?.[0]?.code ?? null;
  const stateParam = params.get("state");
  const filters: ReleaseFilters = {
    channel: params.get("channel") || undefined,
    state: isState(stateParam) ? stateParam : undefined,
  };
  const releases = useReleases(product, filters);
  const channelName = new Map((channels.data ?? []).map((c) => [c.code, c.name]));

  const set = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (product && !next.has("product")) next.set("product", product);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <Stack>
      <PageHeader
        title="Update server"
        description="Each product's releases: drafts get their files, then are published to a channel; the licenses the channel serves are offered them."
        actions={
          <Can action="release.write">
            <Button leftSection={<IconPlus size={16} />} onClick={open} disabled={!product || !channels.data}>
              New release
            </Button>
          </Can>
        }
      />
      {products.error && <QueryError error={products.error} retry={() => void products.refetch()} />}
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label="Product"
          w={240}
          searchable
          allowDeselect={false}
          placeholder={products.isPending ? "Loading…" : "Choose a product"}
          data={(products.data ?? []).map((p) => ({ value: p.code, label: `${p.name} (${p.code})` }))}
          value={product}
          onChange={(value) => set("product", value)}
          nothingFoundMessage="No such product"
        />
        <Select
          label="Channel"
          w={160}
          clearable
          placeholder="Any"
          data={(channels.data ?? []).map((c) => ({ value: c.code, label: c.name }))}
          value={filters.channel ?? null}
          onChange={(value) => set("channel", value)}
        />
        <Select
          label="State"
          w={160}
          clearable
          placeholder="Any"
          data={states.map((s) => ({ value: s, label: stateLabel[s] }))}
          value={filters.state ?? null}
          onChange={(value) => set("state", value)}
        />
      </Group>
      <Title order={2} size="h4">
        Releases
      </Title>
      {releases.error ? (
        <QueryError error={releases.error} retry={() => void releases.refetch()} />
      ) : (
        <DataTable<ProductRelease>
          withTableBorder
          highlightOnHover
          minHeight={160}
          fetching={product !== null && releases.isPending}
          records={releases.data ?? []}
          noRecordsText={
            !product
              ? "Choose a product"
              : filters.channel || filters.state
                ? "No releases match"
                : "No releases yet"
          }
          onRowClick={({ record }) => navigate(`/crm/releases/${record.id}`)}
          columns={[
            {
              accessor: "version",
              title: "Version",
              render: (r) => (
                <Anchor
                  component={Link}
                  to={`/crm/releases/${r.id}`}
                  ff="monospace"
                  size="sm"
                  onClick={(event) => event.stopPropagation()}
                >
                  {r.version}
                </Anchor>
              ),
            },
            {
              accessor: "channel",
              title: "Channel",
              render: (r) => (
                <Badge variant="outline" color="blue" style={{ flexShrink: 0 }}>
                  {channelName.get(r.channel) ?? r.channel}
                </Badge>
              ),
            },
            {
              accessor: "state",
              title: "State",
              render: (r) => (
                <Badge variant="light" color={stateColor[r.state]} style={{ flexShrink: 0 }}>
                  {stateLabel[r.state]}
                </Badge>
              ),
            },
            {
              accessor: "publishedAt",
              title: "Published",
              render: (r) => (r.publishedAt ? formatDateTime(r.publishedAt) : "—"),
            },
            { accessor: "files", title: "Files", textAlign: "right", render: (r) => r.artifacts.length },
            {
              accessor: "size",
              title: "Total size",
              textAlign: "right",
              render: (r) => (r.artifacts.length ? formatBytes(totalSize(r)) : "—"),
            },
          ]}
        />
      )}
      {releases.data && (
        <Text size="xs" c="dimmed">
          Newest version first.
        </Text>
      )}
      <ChannelsSection />
      {creating && product && channels.data && (
        <NewReleaseDialog
          product={product}
          channels={channels.data}
          opened
          onClose={close}
          onCreated={(release) => {
            close();
            navigate(`/crm/releases/${release.id}`);
          }}
        />
      )}
    </Stack>
  );
}
