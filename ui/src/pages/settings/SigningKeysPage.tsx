import type { KeyRole, SigningKey } from "@licensing/contracts";
import { Badge, Code, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { IconRotate } from "@tabler/icons-react";
import { ConfirmButton } from "../../kit/ConfirmButton.tsx";
import { CopyKey } from "../../kit/CopyKey.tsx";
import { formatDateTime } from "../../kit/format.ts";
import { notifySuccess } from "../../kit/notify.tsx";
import { PageHeader } from "../../kit/PageHeader.tsx";
import { QueryError } from "../../kit/QueryError.tsx";
import { Can } from "../../kit/session.tsx";
import { useRotateSigningKey, useSigningKeys } from "./signing-keys-api.ts";

/** What each role's keys sign, and what rotating them changes, in the words of the page. */
const roles: Record<
  KeyRole,
  { title: string; description: string; rotation: string; rotated: (keyId: string) => string }
> = {
  license: {
    title: "License keys",
    description: "Sign license files and the documents about them (machine activations, fleet leases).",
    rotation:
      "A new key signs every license and version from now on. The current key retires but keeps verifying the files it signed. Products that pin public keys need the new one before they meet a file it signed.",
    rotated: (keyId) => `Key ${keyId} now signs new licenses.`,
  },
  release: {
    title: "Release keys",
    description:
      "Sign the release indexes products check for updates. Never a license file: a product trusts them for updates alone.",
    rotation:
      "A new key signs every release index from now on. The current key retires but keeps verifying the indexes it signed. Products that pin release keys need the new one before their next update check.",
    rotated: (keyId) => `Key ${keyId} now signs release indexes.`,
  },
};

export function SigningKeysPage() {
  const keys = useSigningKeys();
  return (
    <Stack maw={1100}>
      <PageHeader
        title="Signing keys"
        description="The Ed25519 keys the issuer signs with, one active key per role. Retired keys still verify what they signed. Private keys never leave the issuer."
      />
      {keys.isPending ? (
        <Loader />
      ) : keys.error ? (
        <QueryError error={keys.error} retry={() => void keys.refetch()} />
      ) : (
        (Object.keys(roles) as KeyRole[]).map((role) => (
          <RoleKeys key={role} role={role} keys={keys.data.filter((key) => key.role === role)} />
        ))
      )}
    </Stack>
  );
}

function RoleKeys({ role, keys }: { role: KeyRole; keys: SigningKey[] }) {
  const rotate = useRotateSigningKey();
  const { title, description, rotation, rotated } = roles[role];
  const headingId = `signing-keys-${role}`;
  return (
    <Stack gap="xs" component="section" aria-labelledby={headingId}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2} size="h4" id={headingId}>
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        </div>
        <Can action="signing-key.rotate">
          <ConfirmButton
            color="orange"
            leftSection={<IconRotate size={16} />}
            title={`Rotate the ${role} key?`}
            message={rotation}
            confirmLabel="Rotate"
            loading={rotate.isPending}
            onConfirm={() => rotate.mutateAsync(role).then((key) => notifySuccess(rotated(key.keyId)))}
          >
            {`Rotate ${role} key`}
          </ConfirmButton>
        </Can>
      </Group>
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
          {keys.map((key) => (
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
    </Stack>
  );
}
