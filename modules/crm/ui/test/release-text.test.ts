import { describe, expect, it } from "vitest";
import { formatBytes, percentOf, progressText, suggestFromFileName } from "../src/releases/text.ts";
import { matchingUpload, uploadErrorText } from "../src/releases/upload.ts";

describe("what a file's name suggests", () => {
  it.each([
    ["collector-2.4.0-win-x64.msi", "windows", "x64", "msi"],
    ["Collector Setup.MSI", "windows", "x64", "msi"],
    ["collector-2.4.0-linux-arm64.tar.gz", "linux", "arm64", "tar.gz"],
    ["collector-2.4.0.tgz", "linux", "x64", "tar.gz"],
    ["collector-2.4.0-macos-universal.dmg", "macos", "universal", "dmg"],
    ["collector_2.4.0_amd64.deb", "linux", "x64", "deb"],
    ["collector-2.4.0-windows-x86.zip", "windows", "x86", "zip"],
    ["collector-2.4.0.aarch64.rpm", "linux", "arm64", "rpm"],
    ["collector-2.4.0.zip", "", "", "zip"],
    ["notes.txt", "", "", ""],
  ])("%s → %s / %s / %s", (name, platform, arch, fileType) => {
    expect(suggestFromFileName(name)).toEqual({ platform, arch, fileType });
  });
});

describe("sizes and progress", () => {
  it("says sizes in bytes, KiB, MiB and GiB", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1023)).toBe("1023 bytes");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(8 * 1024 ** 2)).toBe("8.00 MiB");
    expect(formatBytes(2_500_000_000)).toBe("2.33 GiB");
    expect(formatBytes(5 * 1024 ** 4)).toBe("5.00 TiB");
  });

  it("never says 100 % before the last byte, and copes with an empty file", () => {
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(2 * 1024 ** 3 - 1, 2 * 1024 ** 3)).toBe(99);
    expect(percentOf(2 * 1024 ** 3, 2 * 1024 ** 3)).toBe(100);
    expect(progressText(900 * 1024 ** 2, 3 * 1024 ** 3)).toBe("29% · 900 MiB of 3.00 GiB");
  });
});

const response = (status: number, body: string) =>
  ({
    originalResponse: {
      getStatus: () => status,
      getBody: () => body,
      getHeader: () => undefined,
      getUnderlyingObject: () => null,
    },
  }) as never;

describe("an upload's failure in words", () => {
  it("gives the gateway's message, with the field of a refused metadata", () => {
    const error = Object.assign(
      new Error("tus: unexpected response"),
      response(
        400,
        JSON.stringify({
          code: "validation_failed",
          message: "The upload metadata is not valid",
          details: { issues: [{ path: "platform", message: "must be a lower-case token" }] },
        }),
      ),
    );
    expect(uploadErrorText(error)).toBe(
      "The upload metadata is not valid: platform must be a lower-case token",
    );
  });

  it("says a lost connection, an ended session and a proxy's page plainly", () => {
    expect(uploadErrorText(new Error("tus: failed to upload chunk"))).toMatch(/connection .* lost/);
    expect(uploadErrorText(Object.assign(new Error("x"), response(401, "")))).toMatch(/session has ended/);
    expect(uploadErrorText(Object.assign(new Error("x"), response(502, "<html>")))).toBe(
      "The server refused the upload (HTTP 502).",
    );
  });

  it("resumes only an upload of the same release, platform, architecture and type", () => {
    const target = { releaseId: "rel_1", platform: "windows", arch: "x64", fileType: "msi" };
    const previous = (metadata: Record<string, string>) => ({
      size: 10,
      metadata,
      creationTime: "",
      urlStorageKey: JSON.stringify(metadata),
      uploadUrl: "/api/release-uploads/x",
      parallelUploadUrls: null,
    });
    const other = previous({ ...target, releaseId: "rel_2" });
    const same = previous({ ...target, filename: "a.msi" });
    expect(matchingUpload([other, same], target)).toBe(same);
    expect(matchingUpload([other], target)).toBeUndefined();
  });
});
