import { AppError, issuer } from "@licensing/contracts";
import { openDocument, openReleaseIndex, type ReleaseIndex } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

// issuer.document.sign: the distribution service's documents, signed with the active key of their
// role: license keys for documents about licenses, release keys for release indexes.
let t: IssuerUnderTest;

beforeAll(async () => {
  t = await startIssuer();
});
afterAll(() => t?.stop());

async function trustedKeys(role: "license" | "release" = "license") {
  const { items } = await t.env.bus.request(issuer.listSigningKeys, {});
  return items
    .filter((k) => k.role === role)
    .map((k) => ({
      keyId: k.keyId,
      publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64url")),
    }));
}

describe("issuer.document.sign", () => {
  it("signs each allowed purpose with the active key, verifiable with the published keys", async () => {
    for (const purpose of ["machine-activation", "fleet-lease", "status"] as const) {
      const payload = { licenseId: "lic_x", nonce: "n0nce-0123456789", at: new Date().toISOString() };
      const signed = await t.env.bus.request(issuer.signDocument, { purpose, payload });
      const opened = openDocument(signed.document, { purpose, keys: await trustedKeys() });
      expect(opened.keyId).toBe(signed.keyId);
      expect(opened.payload).toEqual(payload);
    }
  });

  it("signs a release index with the release key, which no license key verifies", async () => {
    const now = Date.now();
    const index: ReleaseIndex = {
      channel: "stable",
      expiresAt: new Date(now + 86_400_000).toISOString(),
      indexVersion: 3,
      issuedAt: new Date(now).toISOString(),
      product: "collector",
      releases: [
        {
          artifacts: [
            {
              arch: "x64",
              fileName: "collector-2.0.0-linux-x64.tar.gz",
              fileType: "tar.gz",
              platform: "linux",
              sha256: "a".repeat(64),
              size: 1024,
            },
          ],
          publishedAt: new Date(now - 1_000).toISOString(),
          version: "2.0.0",
          yanked: false,
        },
      ],
    };
    const signed = await t.env.bus.request(issuer.signDocument, {
      purpose: "release-index",
      payload: index as unknown as Record<string, unknown>,
    });
    const releaseKeys = await trustedKeys("release");
    expect(releaseKeys.map((k) => k.keyId)).toEqual([signed.keyId]);
    const opened = openReleaseIndex(signed.document, {
      keys: releaseKeys,
      product: "collector",
      channel: "stable",
      now: new Date(now),
    });
    expect(opened.index).toEqual(index);
    // The license keys do not vouch for it.
    const licenseKeys = await trustedKeys("license");
    expect(() =>
      openReleaseIndex(signed.document, { keys: licenseKeys, product: "collector", now: new Date(now) }),
    ).toThrow(/key/i);
  });

  it("refuses a release index that is not one, naming what is wrong", async () => {
    const error = await t.env.bus
      .request(issuer.signDocument, {
        purpose: "release-index",
        payload: { product: "collector", channel: "stable", releases: "none" },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("validation_failed");
    expect((error as AppError).message).toMatch(/release index/i);
  });

  it("never signs a license file, nor any purpose outside the list", async () => {
    for (const purpose of ["license-file", "activation-request", "lease", ""]) {
      const error = await t.env.bus
        .request(issuer.signDocument, { purpose: purpose as "status", payload: { a: 1 } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("validation_failed");
    }
  });

  it("refuses a payload that is not a JSON object", async () => {
    const error = await t.env.bus
      .request(issuer.signDocument, { purpose: "status", payload: [1, 2] as never })
      .catch((e: unknown) => e);
    expect((error as AppError).code).toBe("validation_failed");
  });

  it("signs with the new key after a rotation", async () => {
    const rotated = await t.env.bus.request(
      issuer.rotateSigningKey,
      {},
      { ctx: { requestId: "req_rotate", actor: { id: "usr_a", username: "a", roles: ["superadmin"] } } },
    );
    // A replica trusts its cached active key for a few seconds; this one was told of the rotation.
    const signed = await t.env.bus.request(issuer.signDocument, { purpose: "status", payload: { a: 1 } });
    expect(signed.keyId).toBe(rotated.keyId);
  });
});
