/**
 * "1,234 licenses match", "1 account matches", or "10,000+ licenses match" once the server stopped
 * counting (it counts up to 10,000: a loose filter over millions of rows never reads them all).
 */
export function matchText({ count, capped }: { count: number; capped: boolean }, noun: string): string {
  if (capped) return `${count.toLocaleString()}+ ${noun}s match`;
  return count === 1 ? `1 ${noun} matches` : `${count.toLocaleString()} ${noun}s match`;
}
