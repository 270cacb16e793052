import type { ProductRelease } from "@licensing/contracts";
import {
  Can,
  ConfirmButton,
  formatDateTime,
  missing,
  notifySuccess,
  PageHeader,
  QueryError,
} from "@licensing/ui/kit";
import { Anchor, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { IconPencil } from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useProductNames } from "../products/api.ts";
import { useChannels, useDeleteRelease, usePublishRelease, useRelease } from "./api.ts";
import { EditReleaseDialog } from "./EditReleaseDialog.tsx";
import { NotesView } from "./Notes.tsx";
import { ReleaseDownloads } from "./ReleaseDownloads.tsx";
import { ReleaseFiles } from "./ReleaseFiles.tsx";
import { formatBytes, stateColor, stateLabel, totalSize } from "./text.ts";
import { YankButton } from "./YankButton.tsx";

/** One release: its facts, notes and files, and what may be done with it in its state. */
export function ReleasePage() {
  const { id = "" } = useParams();
  const release = useRelease(id);
  if (release.error)
    return (
      <Stack>
        <PageHeader title="Release" />
        <QueryError error={release.error} retry={() => void release.refetch()} missing={missing.release} />
      </Stack>
    );
  if (!release.data) return <Loader aria-label="Loading the release" />;
  return <ReleaseView release={release.data} reload={async () => (await release.refetch()).data} />;
}

function ReleaseView({
  release,
  reload,
}: {
  release: ProductRelease;
  reload: () => Promise<ProductRelease | undefined>;
}) {
  const navigate = useNavigate();
  const channels = useChannels();
  const productNames = useProductNames();
  const publish = usePublishRelease(release.id);
  const remove = useDeleteRelease(release.id);
  const [editing, setEditing] = useState(false);
  const channelName = channels.data?.find((c) => c.code === release.channel)?.name ?? release.channel;
  const productName = productNames.get(release.product) ?? release.product;
  const listPath = `/crm/update-server?product=${encodeURIComponent(release.product)}`;
  const noFiles = release.artifacts.length === 0;

  return (
    <Stack>
      <Anchor component={Link} to={listPath} size="sm">
        ← Releases of {productName}
      </Anchor>
      <PageHeader
        title={
          <Group gap="sm" component="span">
            <span>
              {productName} {release.version}
            </span>
            <Badge variant="light" color={stateColor[release.state]} size="lg">
              {stateLabel[release.state]}
            </Badge>
          </Group>
        }
        description={`On the ${channelName} channel`}
        actions={
          <>
            {release.state !== "yanked" && (
              <Can action="release.write">
                <Button
                  variant="default"
                  leftSection={<IconPencil size={16} />}
                  onClick={() => setEditing(true)}
                  disabled={!channels.data}
                >
                  Edit notes and range
                </Button>
              </Can>
            )}
            {release.state === "draft" && (
              <Can action="release.publish">
                <ConfirmButton
                  color="green"
                  disabled={noFiles}
                  aria-describedby={noFiles ? "publish-needs-files" : undefined}
                  title={`Publish ${release.version} on ${channelName}?`}
                  message={`Release ${release.version} of ${productName} will be offered to every license the ${channelName} channel serves, with its ${release.artifacts.length} file(s). Once published its files and channel are fixed.`}
                  confirmLabel={`Publish ${release.version}`}
                  loading={publish.isPending}
                  onConfirm={async () => {
                    await publish.mutateAsync();
                    notifySuccess(`Release ${release.version} published on ${channelName}`);
                  }}
                >
                  Publish
                </ConfirmButton>
              </Can>
            )}
            {release.state === "published" && (
              <Can action="release.publish">
                <YankButton release={release} channelName={channelName} />
              </Can>
            )}
            {release.state === "draft" && (
              <Can action="release.write">
                <ConfirmButton
                  color="red"
                  variant="subtle"
                  title={`Delete the draft ${release.version}?`}
                  message="The draft and its files are deleted. The version can be used again for a new draft."
                  confirmLabel="Delete draft"
                  loading={remove.isPending}
                  onConfirm={async () => {
                    await remove.mutateAsync();
                    notifySuccess(`Draft ${release.version} deleted`);
                    navigate(listPath);
                  }}
                >
                  Delete draft
                </ConfirmButton>
              </Can>
            )}
          </>
        }
      />
      {release.state === "draft" && noFiles && (
        <Can action="release.publish">
          <Text id="publish-needs-files" size="sm" c="dimmed">
            Publish needs at least one file: upload one below.
          </Text>
        </Can>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
          <Fact label="Version">{release.version}</Fact>
          <Fact label="Channel">{channelName}</Fact>
          <Fact label="Upgradable from">
            {release.minUpgradableFrom || release.maxUpgradableFrom
              ? `${release.minUpgradableFrom ?? "any"} – ${release.maxUpgradableFrom ?? "any"}`
              : "Any version"}
          </Fact>
          <Fact label="Files">
            {release.artifacts.length} ({formatBytes(totalSize(release))})
          </Fact>
          <Fact label="Created">
            {formatDateTime(release.createdAt)} by {release.createdBy}
          </Fact>
          <Fact label="Published">{release.publishedAt ? formatDateTime(release.publishedAt) : "—"}</Fact>
          {release.yankedAt && <Fact label="Yanked">{formatDateTime(release.yankedAt)}</Fact>}
          <Fact label="Revision">{release.revision}</Fact>
        </SimpleGrid>
      </Card>
      <Stack gap="xs">
        <Title order={2} size="h4">
          Release notes
        </Title>
        <NotesView notes={release.notes} />
      </Stack>
      <ReleaseFiles release={release} onUploaded={() => void reload()} />
      <ReleaseDownloads release={release} />
      {editing && channels.data && (
        <EditReleaseDialog
          release={release}
          channels={channels.data}
          onClose={() => setEditing(false)}
          reload={reload}
        />
      )}
    </Stack>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}
