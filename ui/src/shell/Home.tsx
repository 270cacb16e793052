import { Alert, Button, Stack, Text, Title } from "@mantine/core";
import { Link, Navigate } from "react-router";
import { Can, useSession } from "../kit/session.tsx";
import type { UiModule } from "../kit/types.ts";

/** The start page: the CRM module's home when it is on, else a word on what to do first. */
export function Home({ crm }: { crm: UiModule | null }) {
  const session = useSession();
  if (crm && session.modules.crm.active) return <Navigate to={crm.home} replace />;
  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        Welcome, {session.user.username}
      </Title>
      {!crm ? (
        <Text>This build of the platform has no CRM module. Settings are in the menu.</Text>
      ) : (
        <Alert variant="light" title="The CRM module is not active">
          <Stack gap="xs">
            <Text size="sm">
              Customer accounts, the license generator and the license pages appear once a superadmin pastes
              an activation license in Settings → Activation.
            </Text>
            <Can action="module.activate">
              <div>
                <Button component={Link} to="/settings/activation" size="xs">
                  Activate the CRM module
                </Button>
              </div>
            </Can>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
