import { PlaceholderPage } from "@licensing/ui/kit";

const issuer = "arrives with the issuer";

export function LicenseGeneratorPage() {
  return (
    <PlaceholderPage title="License generator" arrives={issuer}>
      Generate commercial, test and internal-use licenses for an account: every parameter with the product's
      defaults, quick-generate buttons from presets, then the key to copy and the file to download.
    </PlaceholderPage>
  );
}

export function LicensesPage() {
  return (
    <PlaceholderPage title="Licenses" arrives={issuer}>
      Every license in a filterable, sortable table with CSV export; each opens on its fields, file, version
      history, audit trail and actions (renew, suspend, reinstate, revoke).
    </PlaceholderPage>
  );
}

export function DashboardPage() {
  return (
    <PlaceholderPage title="Dashboard" arrives={issuer}>
      Licenses issued per week by kind, expiring in the next 90 days, by product and top accounts, each
      linking to the filtered license table.
    </PlaceholderPage>
  );
}

export function UpdateServerPage() {
  return (
    <PlaceholderPage title="Update server" arrives="a module of its own, not yet planned">
      The update server will distribute product updates to licensed installations. It is a separate module;
      this page holds its place in the menu until it exists.
    </PlaceholderPage>
  );
}
