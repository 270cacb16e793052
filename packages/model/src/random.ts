// Random bytes for keys, nonces and ids, drawn from the platform's cryptographic generator
// (crypto.getRandomValues, in Node and in browsers) 4 KiB at a time. A call to the generator costs
// far more than copying bytes: one per id character, license key and nonce were 4 % of the issuer's
// CPU in the migration benchmark's profile. Bytes are handed out once (and wiped from the pool).

const pool = new Uint8Array(4096);
let used = pool.length;

/** `length` fresh random bytes (at most 4,096). */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > pool.length)
    throw new RangeError(`randomBytes takes 0 to ${pool.length} bytes, not ${length}`);
  if (used + length > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  const bytes = pool.slice(used, used + length);
  pool.fill(0, used, used + length);
  used += length;
  return bytes;
}
