import { PlaceholderPage } from "../../kit/PlaceholderPage.tsx";

export function PresetsPage() {
  return (
    <PlaceholderPage title="Presets" arrives="arrives with the issuer">
      Presets are named sets of license parameters behind the license generator's quick-generate buttons, such
      as a 30-day test key for one product. They are defined here once the issuer service is in place.
    </PlaceholderPage>
  );
}

export function SigningKeysPage() {
  return (
    <PlaceholderPage title="Signing keys" arrives="arrives with the issuer">
      The Ed25519 keys that sign license files: which one signs now, which older ones still verify, and their
      rotation. They are listed here once the issuer service is in place.
    </PlaceholderPage>
  );
}
