import type { Account, Actor, Product } from "@licensing/contracts";
import {
  licenseContentEstimate,
  maxLicenseContentBytes,
  otherFieldsBytes,
} from "@licensing/crm-ui/content-size";
import { canonicalBytes, MAX_PAYLOAD_BYTES } from "@licensing/model";
import { describe, expect, it } from "vitest";
import { draftLicense } from "../src/domain/license-draft.ts";

// The license generator (@licensing/crm-ui) estimates a license's size in the browser, so it can
// refuse before sending what the issuer would refuse. The estimate must never overstate what the
// issuer drafts, so the check lives here, beside the draft, with the UI's estimate imported.

const rows = (metadata: Record<string, string>) =>
  Object.entries(metadata).map(([key, value]) => ({ key, value }));

describe("the license generator's size estimate", () => {
  it("uses the model's limit", () => {
    expect(maxLicenseContentBytes).toBe(MAX_PAYLOAD_BYTES);
  });

  it("never overstates a license's content, so the form refuses only what the issuer would", () => {
    // The smallest license the issuer drafts: one-letter names, no contact, no lists, a trial
    // ("trial" being the shortest type), a notice of 0 days.
    const product = {
      code: "a",
      name: "A",
      executionModes: [],
      customFeatures: [],
      unitsTypes: [],
      defaultNotifyDays: 30,
      defaults: {
        kind: "commercial",
        durationDays: null,
        unitsType: null,
        accumulatedUnits: -1,
        unitsPerExecution: -1,
        availableActivations: 3,
        executionModes: [],
        customFeatures: [],
        seats: 0,
      },
      version: 1,
      createdAt: "2026-01-05T10:00:00.000Z",
      updatedAt: "2026-01-05T10:00:00.000Z",
    } satisfies Product;
    const account = { id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK", name: "A", contacts: [] } as unknown as Account;
    const actor: Actor = { id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK", username: "a", roles: ["superadmin"] };
    const examples: Record<string, string>[] = [{}, { po: "PO-1" }, { "x-y": '😀€ \u0001 "quoted"' }];
    for (const metadata of examples) {
      const license = draftLicense({
        id: "lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
        parameters: { products: ["a"], kind: "test", notifyDays: 0, metadata, unitsType: "x" } as never,
        account,
        products: [product],
        actor,
        origin: {},
        keyId: "k20260105-a1b2c3",
        now: new Date("2026-01-05T10:00:00.000Z"),
      });
      const estimate = licenseContentEstimate({ metadata: rows(metadata), friendlyRestrictions: [] });
      expect(estimate).toBeLessThanOrEqual(canonicalBytes(license).length);
      // …and by little: the estimate is what the operator reads.
      expect(canonicalBytes(license).length - estimate).toBeLessThan(150);
    }
    expect(otherFieldsBytes).toBeGreaterThan(0);
  });
});
