import { PlaceholderPage } from "@licensing/ui/kit";

export function UpdateServerPage() {
  return (
    <PlaceholderPage title="Update server" arrives="a module of its own, not yet planned">
      The update server will distribute product updates to licensed installations. It is a separate module;
      this page holds its place in the menu until it exists.
    </PlaceholderPage>
  );
}
