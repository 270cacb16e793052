import { Alert, Button, Group, Modal, Stack, TagsInput, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconMailForward } from "@tabler/icons-react";
import { useState } from "react";
import { notifySuccess } from "../../../kit/notify.tsx";
import { useSendTest } from "./api.ts";

/** Sends today's digest now, marked as a test, to the recipients or to addresses typed here. */
export function TestEmailButton({ recipients, unsaved }: { recipients: string[]; unsaved: boolean }) {
  const [opened, { open, close }] = useDisclosure(false);
  const [to, setTo] = useState<string[]>([]);
  const send = useSendTest();
  return (
    <>
      <Button variant="default" leftSection={<IconMailForward size={16} />} onClick={open}>
        Send a test email
      </Button>
      <Modal opened={opened} onClose={close} title="Send a test email">
        <Stack>
          <Text size="sm">
            Today's digest goes out now, marked as a test, through the saved mail server settings. The daily
            schedule is not affected.
          </Text>
          {unsaved && (
            <Alert color="orange" variant="light">
              The form has unsaved changes: the test uses the saved settings.
            </Alert>
          )}
          <TagsInput
            label="Send to"
            description={
              recipients.length ? `Empty: the recipients (${recipients.join(", ")})` : "At least one address"
            }
            value={to}
            onChange={setTo}
            splitChars={[",", " ", ";"]}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              loading={send.isPending}
              disabled={to.length === 0 && recipients.length === 0}
              onClick={() =>
                send.mutate(to.length ? to : undefined, {
                  onSuccess: (sent) => {
                    notifySuccess(`Test email sent to ${sent.accepted.join(", ")}.`);
                    close();
                  },
                })
              }
            >
              Send
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
