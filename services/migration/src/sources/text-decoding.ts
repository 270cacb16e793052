// Export files come as UTF-8 (with or without a BOM) or, from SQL Server's tools, as UTF-16 with a
// BOM. The BOM decides; without one the text is UTF-8. Decoding is chunk by chunk (TextDecoder's
// stream mode keeps a character split across chunks whole), so memory stays flat.
import { createReadStream } from "node:fs";
import { TextDecoder } from "node:util";
import { AppError } from "@licensing/contracts";

export type TextEncodingName = "utf-8" | "utf-16le" | "utf-16be";

/** The encoding a byte-order mark at the start of `bytes` names, or null when there is none. */
export function encodingFromBom(bytes: Uint8Array): TextEncodingName | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return null;
}

/**
 * The text of a file, in chunks, decoded by its BOM (UTF-8 without one); the BOM itself is dropped.
 * Bytes that are not valid in the encoding stop the read with a `validation_failed` naming the file.
 */
export async function* decodeFile(path: string): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let head: Uint8Array = new Uint8Array(0); // the first bytes, until there are enough to see a BOM
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      if (decoder === null) {
        head = concat(head, chunk);
        if (head.length < 3) continue;
        decoder = new TextDecoder(encodingFromBom(head) ?? "utf-8", { fatal: true });
        yield decoder.decode(head, { stream: true });
        continue;
      }
      yield decoder.decode(chunk, { stream: true });
    }
    if (decoder === null) {
      decoder = new TextDecoder(encodingFromBom(head) ?? "utf-8", { fatal: true });
      yield decoder.decode(head, { stream: true });
    }
    yield decoder.decode();
  } catch (error) {
    if (
      error instanceof TypeError &&
      (error as { code?: string }).code === "ERR_ENCODING_INVALID_ENCODED_DATA"
    ) {
      throw new AppError("validation_failed", `${path} is not valid ${decoder?.encoding ?? "text"}.`);
    }
    if ((error as { code?: string }).code === "ENOENT") {
      throw new AppError("not_found", `${path} does not exist.`);
    }
    throw error;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
