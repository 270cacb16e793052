import { api } from "@licensing/ui/kit";
import { Select } from "@mantine/core";
import { IconUser } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

/** A user as the gateway's directory names them (`GET /api/users/directory`). */
export interface DirectoryUser {
  id: string;
  username: string;
}

/** The active users, by username: readable by whoever reads licenses, unlike user management. */
export function useUserDirectory(enabled = true) {
  return useQuery({
    enabled,
    queryKey: ["users", "directory"],
    queryFn: () => api.get<{ items: DirectoryUser[] }>("/api/users/directory"),
    select: (data) => data.items,
    // Users come and go rarely; the picker need not ask at every opening of the page.
    staleTime: 5 * 60_000,
  });
}

const notAUser = (name: string) => `${name} (not a current user)`;

/**
 * "Created by" as a searchable list of the platform's users. It sets the username: the issuer's
 * filter matches a license's creator by id or by the name recorded at creation (usernames never
 * change), and the name is what the table's column shows, so the rows found are the rows that say
 * that name. A name that is no current user's (a disabled user, a migrated license's legacy
 * creator) is offered as typed, and one from the address stays shown as it is.
 */
export function CreatedByPicker({
  value,
  onChange,
  w,
  load = true,
}: {
  value: string;
  onChange: (username: string) => void;
  w?: number;
  /** False while the picker is out of sight (a closed "More filters"): no request until it shows. */
  load?: boolean;
}) {
  const users = useUserDirectory(load);
  const [search, setSearch] = useState("");
  const known = users.data ?? [];
  const byId = known.find((u) => u.id === value);
  const isUser = (name: string) => known.some((u) => u.username.toLowerCase() === name.toLowerCase());
  const data = known.map((u) => ({ value: u.username, label: u.username }));
  // An address may hold an id (the issuer takes one too): shown by its username.
  if (byId) data.push({ value, label: byId.username });
  else if (value && !known.some((u) => u.username === value)) data.push({ value, label: notAUser(value) });
  const typed = search.trim();
  if (typed && !isUser(typed) && !data.some((o) => o.value === typed || o.label === typed))
    data.push({ value: typed, label: notAUser(typed) });
  return (
    <Select
      label="Created by"
      placeholder="Any user"
      leftSection={<IconUser size={16} />}
      searchable
      clearable
      w={w}
      data={data}
      value={value || null}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(username) => onChange(username ?? "")}
      nothingFoundMessage={users.isFetching ? "Loading users…" : "No user matches"}
    />
  );
}
