import { Alert, Code, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { formatDateTime } from "../../../kit/format.ts";
import { QueryError } from "../../../kit/QueryError.tsx";
import { type DevMailList, useDevMailMessage } from "./api.ts";
import { MailFrame } from "./MailFrame.tsx";

/** What the development mail catcher (npm start) received, newest first, and one message opened. */
export function DevMailPanel({ list }: { list: DevMailList }) {
  const [openId, setOpenId] = useState<string | undefined>(list.items[0]?.id);
  const message = useDevMailMessage(openId);
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        The development mail catcher listens on{" "}
        <Code>
          smtp://{list.smtp.host}:{list.smtp.port}
        </Code>{" "}
        and keeps every message as an .eml file under <Code>{list.directory}</Code>. Nothing leaves this
        machine.
      </Text>
      {list.items.length === 0 ? (
        <Alert variant="light">No mail yet. Send a test email from the settings.</Alert>
      ) : (
        <Table highlightOnHover withTableBorder fz="sm" aria-label="Caught mail">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Received</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Subject</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.items.map((mail) => (
              <Table.Tr
                key={mail.id}
                onClick={() => setOpenId(mail.id)}
                style={{ cursor: "pointer" }}
                bg={mail.id === openId ? "var(--mantine-color-blue-light)" : undefined}
              >
                <Table.Td>{formatDateTime(mail.receivedAt)}</Table.Td>
                <Table.Td>{mail.to.join(", ")}</Table.Td>
                <Table.Td>
                  <button
                    type="button"
                    onClick={() => setOpenId(mail.id)}
                    style={{ all: "unset", cursor: "pointer", textDecoration: "underline" }}
                  >
                    {mail.subject || "(no subject)"}
                  </button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {openId &&
        (message.isPending ? (
          <Loader />
        ) : message.error ? (
          <QueryError error={message.error} retry={() => void message.refetch()} />
        ) : (
          <Stack gap="xs">
            <Title order={3} size="h4">
              {message.data.subject || "(no subject)"}
            </Title>
            <Text size="sm">
              <b>From:</b> {message.data.from} · <b>To:</b> {message.data.to.join(", ")}
              {message.data.cc.length > 0 && ` · Cc: ${message.data.cc.join(", ")}`}
            </Text>
            {message.data.tooLarge ? (
              <Alert variant="light">
                Too large to show here: open <Code>{message.data.path}</Code> in a mail program.
              </Alert>
            ) : (
              <MailFrame title="Caught message" html={message.data.html} text={message.data.text} />
            )}
          </Stack>
        ))}
    </Stack>
  );
}
