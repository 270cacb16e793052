import type { ProductRelease, ReleaseArtifact } from "@licensing/contracts";
import { ConfirmButton, CopyKey, notifySuccess, useCan } from "@licensing/ui/kit";
import { Code, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useRemoveArtifact } from "./api.ts";
import { FileUpload } from "./FileUpload.tsx";
import { formatBytes } from "./text.ts";

/** The release's files; a draft's can be added (uploaded) and removed by `release.write`. */
export function ReleaseFiles({ release, onUploaded }: { release: ProductRelease; onUploaded: () => void }) {
  const canWrite = useCan("release.write");
  const remove = useRemoveArtifact(release.id);
  const editable = canWrite && release.state === "draft";
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        Files
      </Title>
      {release.artifacts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No files yet.{release.state === "draft" ? " A release is published with at least one." : ""}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table withTableBorder striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Platform</Table.Th>
                <Table.Th>Architecture</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>File name</Table.Th>
                <Table.Th ta="right">Size</Table.Th>
                <Table.Th>SHA-256</Table.Th>
                {editable && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {release.artifacts.map((artifact: ReleaseArtifact) => (
                <Table.Tr key={artifact.id}>
                  <Table.Td>{artifact.platform}</Table.Td>
                  <Table.Td>{artifact.arch}</Table.Td>
                  <Table.Td>{artifact.fileType}</Table.Td>
                  <Table.Td style={{ overflowWrap: "anywhere" }}>{artifact.fileName}</Table.Td>
                  <Table.Td ta="right" title={`${artifact.size.toLocaleString()} bytes`}>
                    {formatBytes(artifact.size)}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Code title={artifact.sha256}>{`${artifact.sha256.slice(0, 12)}…`}</Code>
                      <CopyKey value={artifact.sha256} label={`Copy the SHA-256 of ${artifact.fileName}`} />
                    </Group>
                  </Table.Td>
                  {editable && (
                    <Table.Td>
                      <ConfirmButton
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        title={`Remove ${artifact.fileName}?`}
                        message="The file is taken off the draft and its bytes deleted. You can upload it again."
                        confirmLabel="Remove file"
                        loading={remove.isPending}
                        onConfirm={async () => {
                          await remove.mutateAsync(artifact.id);
                          notifySuccess(`${artifact.fileName} removed`);
                        }}
                      >
                        Remove {artifact.fileName}
                      </ConfirmButton>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {editable && <FileUpload release={release} onUploaded={onUploaded} />}
    </Stack>
  );
}
