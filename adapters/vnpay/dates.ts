/** VNPay dates are `yyyyMMddHHmmss` wall-clock times in GMT+7 (Vietnam has no daylight saving). */

const OFFSET_MS = 7 * 60 * 60 * 1000;

export function formatVnDate(date: Date): string {
  const d = new Date(date.getTime() + OFFSET_MS);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds())
  );
}

/** The instant a VNPay date names, or null for anything that is not a real calendar time. */
export function parseVnDate(value: string | undefined): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value ?? '');
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s) - OFFSET_MS);
  // Date.UTC rolls 20240231 over into March: a round trip rejects it.
  return formatVnDate(date) === value ? date : null;
}
