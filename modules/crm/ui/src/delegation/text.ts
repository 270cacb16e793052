import type { DelegationStatus, ReceiptAnomaly } from "@licensing/contracts";

// The delegation's words: a certificate's state and an anomaly's kind, for operators.

type Certificate = DelegationStatus["certificates"][number];
export type CertificateState = "valid" | "expiring" | "expired" | "revoked";

/** A certificate lives 30 days (at most 90) and a cockpit renews it well before: a week left is late. */
const soonMs = 7 * 86_400_000;

export function certificateState(
  certificate: Pick<Certificate, "expiresAt" | "revokedAt">,
  now: number,
): CertificateState {
  if (certificate.revokedAt) return "revoked";
  const expires = Date.parse(certificate.expiresAt);
  if (expires <= now) return "expired";
  return expires - now <= soonMs ? "expiring" : "valid";
}

export const certificateStates: Record<CertificateState, { label: string; color: string }> = {
  valid: { label: "valid", color: "teal" },
  expiring: { label: "expiring soon", color: "orange" },
  expired: { label: "expired", color: "gray" },
  revoked: { label: "revoked", color: "red" },
};

export const anomalyKinds: Record<ReceiptAnomaly["kind"], string> = {
  gap: "Receipts missing",
  fork: "Two histories",
  broken_link: "Broken chain",
  altered: "Altered receipt",
  unknown_machine: "Unknown machine",
  invalid_lease: "Invalid lease",
  over_seats: "More collectors than seats",
  over_units: "More units than allowed",
};
