import { Button, Stack, Text, Title } from "@mantine/core";
import { Link, Outlet } from "react-router";
import { Can, useSession } from "../kit/session.tsx";
import type { UiModule } from "../kit/types.ts";

/**
 * The second factor of a module (docs/architecture.md): its pages open only while the gateway reports it active.
 * A bookmark to one of them while it is inactive explains why instead of failing with a 403.
 */
export function ModuleGate({ module }: { module: UiModule }) {
  const session = useSession();
  if (session.modules[module.id]?.active) return <Outlet />;
  return (
    <Stack maw={560}>
      <Title order={1} size="h2">
        The {module.title} module is not active
      </Title>
      <Text>Its pages open once a superadmin activates it with an activation license.</Text>
      <Can action="module.activate">
        <div>
          <Button component={Link} to="/settings/activation">
            Go to Activation
          </Button>
        </div>
      </Can>
    </Stack>
  );
}

export function NotFound() {
  return (
    <Stack maw={560}>
      <Title order={1} size="h2">
        Page not found
      </Title>
      <Text>There is nothing at this address.</Text>
      <div>
        <Button component={Link} to="/" variant="light">
          Go to the start page
        </Button>
      </div>
    </Stack>
  );
}
