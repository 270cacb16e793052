import { Loader, Stack, Tabs } from "@mantine/core";
import { PageHeader } from "../../../kit/PageHeader.tsx";
import { QueryError } from "../../../kit/QueryError.tsx";
import { useDevMail, useNotifierSettings, useNotifierState } from "./api.ts";
import { DevMailPanel } from "./DevMailPanel.tsx";
import { PreviewPanel } from "./PreviewPanel.tsx";
import { SettingsForm } from "./SettingsForm.tsx";
import { StatePanel } from "./StatePanel.tsx";

/** Settings → Notifications: the daily expiry digest's state, settings, preview and (npm start) caught mail. */
export function NotificationsPage() {
  const settings = useNotifierSettings();
  const state = useNotifierState();
  // Answers only where the development mail catcher runs; elsewhere the tab is not shown.
  const devMail = useDevMail();
  return (
    <Stack>
      <PageHeader
        title="Notifications"
        description="Once a day, one email listing the licenses that expire within their notice window or expired today."
      />
      {state.data ? (
        <StatePanel state={state.data} recipients={settings.data?.recipients.length} />
      ) : state.error ? (
        <QueryError error={state.error} retry={() => void state.refetch()} />
      ) : null}
      {settings.isPending ? (
        <Loader />
      ) : settings.error ? (
        <QueryError error={settings.error} retry={() => void settings.refetch()} />
      ) : (
        <Tabs defaultValue="settings" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="settings">Settings</Tabs.Tab>
            <Tabs.Tab value="preview">Preview</Tabs.Tab>
            {devMail.data && (
              <Tabs.Tab value="dev-mail">Development mail ({devMail.data.items.length})</Tabs.Tab>
            )}
          </Tabs.List>
          <Tabs.Panel value="settings" pt="md">
            <SettingsForm
              key={settings.data.version}
              settings={settings.data}
              reload={() => void settings.refetch()}
            />
          </Tabs.Panel>
          <Tabs.Panel value="preview" pt="md">
            <PreviewPanel timeZone={settings.data.timeZone} />
          </Tabs.Panel>
          {devMail.data && (
            <Tabs.Panel value="dev-mail" pt="md">
              <DevMailPanel list={devMail.data} />
            </Tabs.Panel>
          )}
        </Tabs>
      )}
    </Stack>
  );
}
