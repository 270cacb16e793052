import { formError } from "@licensing/ui/kit";
import {
  ActionIcon,
  Alert,
  Autocomplete,
  Button,
  Card,
  Group,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMemo } from "react";
import { countryOptions } from "./countries.ts";
import { type AccountFormValues, newContact } from "./form-values.ts";

interface AccountFormProps {
  form: UseFormReturnType<AccountFormValues>;
  /** The type is chosen at creation; afterwards it changes only by promotion. */
  typeEditable: boolean;
  /** Suggestions for the sales owner (the signed-in user). */
  ownerSuggestions: string[];
  onSubmit: (values: AccountFormValues) => void;
  onCancel: () => void;
  submitLabel: string;
  submitting: boolean;
}

export function AccountForm({
  form,
  typeEditable,
  ownerSuggestions,
  onSubmit,
  onCancel,
  submitLabel,
  submitting,
}: AccountFormProps) {
  const country = form.values.country;
  const countries = useMemo(() => countryOptions(country || undefined), [country]);
  const contactsError = form.errors.contacts;
  const generalError = form.errors[formError];
  return (
    <form onSubmit={form.onSubmit(onSubmit)} noValidate>
      <Stack maw={860}>
        {generalError && (
          <Alert color="red" variant="light" role="alert">
            {generalError}
          </Alert>
        )}
        <Card withBorder>
          <Stack>
            {typeEditable && (
              <Stack gap={4}>
                <Text size="sm" fw={500} id="account-type-label">
                  Type
                </Text>
                <SegmentedControl
                  aria-labelledby="account-type-label"
                  data={[
                    { value: "customer", label: "Customer" },
                    { value: "prospect", label: "Prospect" },
                  ]}
                  w="fit-content"
                  {...form.getInputProps("type")}
                />
              </Stack>
            )}
            <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label="Country"
                placeholder="Search a country"
                searchable
                clearable
                data={countries}
                nothingFoundMessage="No such country"
                {...form.getInputProps("country")}
                value={country || null}
                onChange={(value) => form.setFieldValue("country", value ?? "")}
              />
              <Autocomplete
                label="Sales owner"
                placeholder="Who looks after this account"
                data={ownerSuggestions}
                {...form.getInputProps("salesOwner")}
              />
              <TextInput
                label="External CRM id"
                description="The account's id in the company CRM; CSV imports match on it"
                {...form.getInputProps("externalId")}
              />
            </SimpleGrid>
            <Textarea label="Notes" autosize minRows={3} maxRows={12} {...form.getInputProps("notes")} />
          </Stack>
        </Card>

        <Card withBorder>
          <Stack>
            <Group justify="space-between">
              <Title order={2} size="h4" id="contacts-heading">
                Contacts
              </Title>
              <Button
                variant="light"
                size="xs"
                leftSection={<IconPlus size={14} />}
                onClick={() => form.insertListItem("contacts", newContact())}
              >
                Add contact
              </Button>
            </Group>
            {contactsError && (
              <Text c="red" size="sm" role="alert">
                {contactsError}
              </Text>
            )}
            {form.values.contacts.length === 0 && (
              <Text size="sm" c="dimmed">
                No contacts yet.
              </Text>
            )}
            {form.values.contacts.map((contact, index) => (
              <Group
                key={contact.key}
                align="flex-start"
                wrap="nowrap"
                role="group"
                aria-label={`Contact ${index + 1}`}
              >
                <SimpleGrid cols={{ base: 1, sm: 3 }} style={{ flex: 1 }}>
                  <TextInput label="Name" required {...form.getInputProps(`contacts.${index}.name`)} />
                  <TextInput
                    label="Email"
                    type="email"
                    required
                    {...form.getInputProps(`contacts.${index}.email`)}
                  />
                  <TextInput
                    label="Role"
                    placeholder="e.g. IT manager"
                    {...form.getInputProps(`contacts.${index}.role`)}
                  />
                </SimpleGrid>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  mt={28}
                  aria-label={`Remove contact ${index + 1}`}
                  onClick={() => form.removeListItem("contacts", index)}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            ))}
          </Stack>
        </Card>

        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={submitting}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
