import { Badge, Code, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { IconRotate } from "@tabler/icons-react";
import { ConfirmButton } from "../../kit/ConfirmButton.tsx";
import { CopyKey } from "../../kit/CopyKey.tsx";
import { formatDateTime } from "../../kit/format.ts";
import { notifySuccess } from "../../kit/notify.tsx";
import { PageHeader } from "../../kit/PageHeader.tsx";
import { QueryError } from "../../kit/QueryError.tsx";
import { Can } from "../../kit/session.tsx";
import { useRotateSigningKey, useSigningKeys } from "./signing-keys-api.ts";

export function SigningKeysPage() {
  const keys = useSigningKeys();
  const rotate = useRotateSigningKey();
  return (
    <Stack maw={1100}>
      <PageHeader
        title="Signing keys"
        description="The Ed25519 keys that sign license files. The active key signs; retired keys still verify the files they signed. Private keys never leave the issuer."
        actions={
          <Can action="signing-key.rotate">
            <ConfirmButton
              color="orange"
              leftSection={<IconRotate size={16} />}
              title="Rotate the signing key?"
              message="A new key signs every license and version from now on. The current key retires but keeps verifying the files it signed. Products that pin public keys need the new one before they meet a file it signed."
              confirmLabel="Rotate"
              loading={rotate.isPending}
              onConfirm={() =>
                rotate.mutateAsync().then((key) => notifySuccess(`Key ${key.keyId} now signs new licenses.`))
              }
            >
              Rotate key
            </ConfirmButton>
          </Can>
        }
      />
      {keys.isPending ? (
        <Loader />
      ) : keys.error ? (
        <QueryError error={keys.error} retry={() => void keys.refetch()} />
      ) : (
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key id</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Public key (base64url)</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Retired</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.data.map((key) => (
              <Table.Tr key={key.keyId}>
                <Table.Td>
                  <Code>{key.keyId}</Code>
                </Table.Td>
                <Table.Td>
                  <Badge color={key.status === "active" ? "teal" : "gray"} variant="light">
                    {key.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Text size="xs" ff="monospace" style={{ wordBreak: "break-all" }}>
                      {key.publicKey}
                    </Text>
                    <CopyKey value={key.publicKey} label="Copy the public key" />
                  </Group>
                </Table.Td>
                <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
                <Table.Td>{formatDateTime(key.retiredAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
