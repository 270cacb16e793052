// Sizes as the messages people read give them.

/** `2 MiB (2,097,152 bytes)`: a size as people read it, with the exact count. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString("en-US")} bytes`;
  if (bytes >= 1024 * 1024) return `${round(bytes / 1024 / 1024)} MiB (${exact})`;
  if (bytes >= 1024) return `${round(bytes / 1024)} KiB (${exact})`;
  return exact;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
