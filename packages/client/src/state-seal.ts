// The offline state is authenticated with HMAC-SHA-256 under a key derived with HKDF-SHA-256 from
// this machine's fingerprint: edited, truncated or copied to another machine, it no longer verifies
// and the manager treats it as damaged (docs/client.md, "Offline state"). The primitives are the
// platform's own: node:crypto in Node (synchronous, no thread-pool round trip per call), WebCrypto
// in browsers.

/** HMAC-SHA-256 under the state key: the MAC of a text, in base64. */
export interface StateMac {
  sign(text: string): string | Promise<string>;
}

const FORMAT = "licensing-state/v1";
const encoder = new TextEncoder();

/** HKDF's salt and info for the state key of `namespace` (the product). */
export function stateKeyInfo(namespace: string): { salt: Uint8Array; info: Uint8Array } {
  return { salt: encoder.encode(FORMAT), info: encoder.encode(namespace) };
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** The state MAC with WebCrypto (browsers, and any platform without its own). */
export async function webCryptoMac(fingerprint: string, namespace: string): Promise<StateMac> {
  const { salt, info } = stateKeyInfo(namespace);
  const material = await crypto.subtle.importKey("raw", encoder.encode(fingerprint), "HKDF", false, [
    "deriveKey",
  ]);
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: salt as Uint8Array<ArrayBuffer>,
      info: info as Uint8Array<ArrayBuffer>,
    },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  return {
    async sign(text) {
      return toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
    },
  };
}

/** `<format> <mac>\n<json>`: the JSON with its MAC. */
export async function seal(mac: StateMac, json: string): Promise<string> {
  return `${FORMAT} ${await mac.sign(`${FORMAT}\n${json}`)}\n${json}`;
}

/** The JSON of a sealed text, or undefined when it is not one this key sealed (edited, cut, foreign). */
export async function unseal(mac: StateMac, text: string): Promise<string | undefined> {
  const newline = text.indexOf("\n");
  if (newline < 0) return undefined;
  const [format, given] = text.slice(0, newline).split(" ");
  if (format !== FORMAT || !given) return undefined;
  const json = text.slice(newline + 1);
  const expected = await mac.sign(`${FORMAT}\n${json}`);
  // Both are base64 of 32 bytes; the comparison's timing tells nothing the file does not.
  return expected === given ? json : undefined;
}
