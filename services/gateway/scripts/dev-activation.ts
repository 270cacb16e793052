// `npm run dev:activation`: prints a CRM activation license signed by the development vendor key
// (created under .data/ if missing): owner "Development", feature `crm`, valid for one year. Paste
// it in Settings → Activation of a platform started with `npm start`, which trusts that key.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { newId } from "@licensing/contracts";
import { createSigner, type License, signLicense } from "@licensing/model";
import { type DevVendorKey, defaultDataDir, ensureDevVendorKey } from "./dev-vendor-key.ts";

const day = 86_400_000;
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** An activation license for `features`, signed by the development vendor key. */
export function devActivationLicense(
  options: { dataDir?: string; key?: DevVendorKey; features?: string[]; days?: number; now?: Date } = {},
): string {
  const key = options.key ?? ensureDevVendorKey(options.dataDir ?? defaultDataDir);
  const now = options.now ?? new Date();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const license: License = {
    accountId: "acc_development",
    accumulatedUnits: -1,
    allowedCustomFeatures: options.features ?? ["crm"],
    availableActivations: -1,
    createdAtComputer: null,
    createdBy: "npm run dev:activation",
    dateIssued: iso(now),
    endDate: iso(new Date(today.getTime() + (options.days ?? 365) * day)),
    executionModes: [],
    fingerprint: null,
    friendlyRestrictions: [{ key: "Purpose", value: "Development activation of the CRM module" }],
    id: newId("license"),
    internal: true,
    keyId: key.keyId,
    kind: "test",
    licenseType: "activation",
    licensingAssemblyVersion: "2.0",
    metadata: {},
    notifyDays: null,
    ownerCompany: "Development",
    ownerEmail: null,
    ownerIpAddress: null,
    ownerName: null,
    productFriendlyNames: ["Licensing Platform"],
    products: ["licensing-platform"],
    seats: 0,
    serial: 1,
    signedAt: iso(now),
    startDate: iso(today),
    unitsPerExecution: -1,
    unitsType: "activations",
  };
  return signLicense(license, createSigner(key.keyId, key.privateKey));
}

if (import.meta.main) {
  const file = devActivationLicense();
  const saved = resolve(defaultDataDir, "dev-activation-license.txt");
  writeFileSync(saved, file);
  console.error(
    "CRM activation license for development (signed by the development vendor key, trusted by `npm start`).\n" +
      `Paste it in Settings → Activation, or PUT it to /api/modules/crm/activation. Also saved to ${saved}.\n`,
  );
  process.stdout.write(file.endsWith("\n") ? file : `${file}\n`);
}
