import type { ReleaseChannel } from "@licensing/contracts";
import { Select, type SelectProps, SimpleGrid, TextInput, type TextInputProps } from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import type { ReactNode } from "react";
import { NotesEditor } from "./Notes.tsx";

/** What a release is written with, in "New release" and "Edit release". */
export interface ReleaseFieldValues {
  channel: string;
  notes: string;
  minUpgradableFrom: string;
  maxUpgradableFrom: string;
}

type Hints = Pick<TextInputProps, "description" | "placeholder">;

/**
 * A release's channel, the range of versions it installs over, and its notes. Each dialog says what
 * differs: a new release's version comes first, its channel is required and its range explained
 * with examples; an edited release's channel is fixed once published.
 */
export function ReleaseFields<V extends ReleaseFieldValues>({
  form,
  channels,
  version,
  channel,
  lowest,
  highest,
}: {
  form: UseFormReturnType<V>;
  channels: ReleaseChannel[];
  /** The new release's version input, first in the grid. */
  version?: ReactNode;
  channel: Pick<SelectProps, "required" | "disabled" | "description">;
  lowest: Hints;
  highest: Hints;
}) {
  // The form's own type may be wider (a new release's version); these fields touch only their own.
  const f = form as unknown as UseFormReturnType<ReleaseFieldValues>;
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: version ? 2 : 3 }}>
        {version}
        <Select
          label="Channel"
          allowDeselect={false}
          data={channels.map((c) => ({ value: c.code, label: c.name }))}
          {...channel}
          {...f.getInputProps("channel")}
        />
        <TextInput label="Upgradable from (lowest)" {...lowest} {...f.getInputProps("minUpgradableFrom")} />
        <TextInput label="Upgradable from (highest)" {...highest} {...f.getInputProps("maxUpgradableFrom")} />
      </SimpleGrid>
      <NotesEditor
        value={f.values.notes}
        onChange={(notes) => f.setFieldValue("notes", notes)}
        error={f.errors.notes}
      />
    </>
  );
}
