import type { Action } from "@licensing/contracts";
import { Button, Stack, Text, Title } from "@mantine/core";
import type { ComponentType } from "react";
import { Link, Outlet, type RouteObject } from "react-router";
import { useCan } from "./session.tsx";

/** Opens its child routes only to users holding `action`; others read why they cannot. */
export function RequireAction({ action }: { action: Action }) {
  return useCan(action) ? <Outlet /> : <NoAccess />;
}

export function NoAccess() {
  return (
    <Stack maw={560}>
      <Title order={1} size="h2">
        No access
      </Title>
      <Text>Your role does not allow this page. Ask a superadmin if you need it.</Text>
      <div>
        <Button component={Link} to="/" variant="light">
          Go to the start page
        </Button>
      </div>
    </Stack>
  );
}

/** A page only users holding `action` may open; its code loads the first time it opens. */
export function guardedPage(path: string, action: Action, load: () => Promise<ComponentType>): RouteObject {
  return {
    element: <RequireAction action={action} />,
    children: [{ path, lazy: async () => ({ Component: await load() }) }],
  };
}
