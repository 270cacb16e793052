// The offline state is authenticated with HMAC-SHA-256 (WebCrypto, in Node and browsers) under a key
// derived with HKDF from this machine's fingerprint: edited, truncated or copied to another machine,
// it no longer verifies, and the manager treats it as absent (docs/client.md, "Offline state").

/** A WebCrypto HMAC key (named so without the DOM library's types). */
export type StateKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;

const encoder = new TextEncoder();
const FORMAT = "licensing-state/v1";

/** The key that authenticates this machine's state for `namespace` (the product). */
export async function stateKey(fingerprint: string, namespace: string): Promise<StateKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(fingerprint), "HKDF", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(FORMAT), info: encoder.encode(namespace) },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** `<format> <mac>\n<json>`: the JSON with its MAC. */
export async function seal(key: StateKey, json: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${FORMAT}\n${json}`)));
  return `${FORMAT} ${toBase64(mac)}\n${json}`;
}

/** The JSON of a sealed text, or undefined when it is not one this key sealed (edited, cut, foreign). */
export async function unseal(key: StateKey, text: string): Promise<string | undefined> {
  const newline = text.indexOf("\n");
  if (newline < 0) return undefined;
  const [format, mac] = text.slice(0, newline).split(" ");
  if (format !== FORMAT || !mac) return undefined;
  const bytes = fromBase64(mac);
  if (bytes?.length !== 32) return undefined;
  const json = text.slice(newline + 1);
  const ok = await crypto.subtle.verify("HMAC", key, bytes, encoder.encode(`${FORMAT}\n${json}`));
  return ok ? json : undefined;
}
