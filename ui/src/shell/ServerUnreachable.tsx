import { Button, Center, Stack, Text, Title } from "@mantine/core";
import { QueryError } from "../kit/QueryError.tsx";

export function ServerUnreachable({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <Center h="100vh" p="md">
      <Stack maw={520}>
        <Title order={1} size="h2">
          The platform does not answer
        </Title>
        <Text>The gateway could not tell whether you are signed in.</Text>
        <QueryError error={error} />
        <div>
          <Button onClick={retry}>Try again</Button>
        </div>
      </Stack>
    </Center>
  );
}
