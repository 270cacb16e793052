// Shared test fixtures: fixed keys and a valid license to start each test from.

import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { createSigner } from "../src/key-set.ts";
import type { License } from "../src/license.ts";

export const PRIVATE_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
export const PUBLIC_KEY = nobleEd25519.getPublicKey(PRIVATE_KEY);
export const KEY_ID = "k2025-01";
export const OTHER_PRIVATE_KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
export const OTHER_PUBLIC_KEY = nobleEd25519.getPublicKey(OTHER_PRIVATE_KEY);
export const KEYS = [{ keyId: KEY_ID, publicKey: PUBLIC_KEY }];
export const signer = createSigner(KEY_ID, PRIVATE_KEY);

/** A valid license; override any field. */
export function sampleLicense(overrides: Partial<License> = {}): License {
  return {
    id: "lic_01HZX3K5Q9",
    accountId: "acc_7fQ2",
    serial: 1,
    kind: "commercial",
    internal: false,
    licenseType: "subscription",
    products: ["collector", "cockpit"],
    productFriendlyNames: ["Collector", "Cockpit"],
    ownerCompany: "Contoso Ltd",
    ownerName: "Ada Lovelace",
    ownerEmail: "ada@contoso.example",
    createdBy: "usr_42",
    ownerIpAddress: "192.0.2.10",
    createdAtComputer: "SALES-PC-07",
    licensingAssemblyVersion: "2.0",
    dateIssued: "2025-01-15T09:30:00Z",
    signedAt: "2025-01-15T09:30:00Z",
    startDate: "2025-02-01T00:00:00Z",
    endDate: "2026-02-01T00:00:00Z",
    unitsType: "executions",
    accumulatedUnits: 10000,
    unitsPerExecution: 1,
    availableActivations: 3,
    seats: 25,
    fingerprint: null,
    executionModes: ["online", "offline"],
    notifyDays: 30,
    friendlyRestrictions: [{ key: "Region", value: "EU only" }],
    allowedCustomFeatures: ["reports", "export-csv"],
    metadata: { crmOpportunity: "OPP-1234" },
    keyId: KEY_ID,
    ...overrides,
  };
}
