import crm from "virtual:licensing/crm-module";
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider } from "react-router/dom";
import { createQueryClient } from "./query-client.ts";
import { createAppRouter } from "./router.tsx";
import { cssVariablesResolver, theme } from "./theme.ts";

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(() => createAppRouter(crm));
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        {/* Navigations render at once, not in a transition: a filter's change is in the address and
            on the page together (a transition a busy page held back let a saved view miss it). */}
        <RouterProvider router={router} useTransitions={false} />
      </QueryClientProvider>
      {/* After the app: the skip link stays the first thing Tab reaches, whatever is notified. */}
      <Notifications position="top-right" />
    </MantineProvider>
  );
}
