import { Button, Center, Code, Stack, Text, Title } from "@mantine/core";
import { isRouteErrorResponse, useRouteError } from "react-router";

/**
 * What shows when a page fails to render or its code fails to load (typically after a new version
 * was deployed while the tab stayed open): a reload fetches the new code.
 */
export function RouteError() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : String(error);
  return (
    <Center h="100vh" p="md">
      <Stack maw={560} role="alert">
        <Title order={1} size="h2">
          This page failed
        </Title>
        <Text>Reloading usually helps, for instance after the platform was updated.</Text>
        <Code block>{detail}</Code>
        <div>
          <Button onClick={() => window.location.reload()}>Reload</Button>
        </div>
      </Stack>
    </Center>
  );
}
