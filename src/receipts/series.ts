/** How PayHub's e-receipts are numbered: form symbols, series and printed numbers. */
/**
 * Form symbols (ký hiệu mẫu biên lai) of PayHub's e-receipts (Decree 123/2020/ND-CP, Circular
 * 78/2021/TT-BTC): "01BLP0-001" is the receipt for fees and charges; a fine gets the receipt for
 * administrative fines, "01BLTP-001" (PayHub's symbol for it: PROVIDERS.md has no source for the
 * fine form's official symbol).
 */
export const FORM_SYMBOL = '01BLP0-001';
export const FINE_FORM_SYMBOL = '01BLTP-001';

/** Which gapless sequence a receipt is numbered in: per mode, and fines apart from the rest. */
export interface Kind {
  mode: 'test' | 'live';
  fine: boolean;
}

export const formOf = (kind: Pick<Kind, 'fine'>) => (kind.fine ? FINE_FORM_SYMBOL : FORM_SYMBOL);

/**
 * The series (ký hiệu biên lai): "PH-<yy>E" for fees and charges, "PT-<yy>E" for fines (E =
 * electronic); a test payment's receipt is in "TEST-PH-<yy>E" / "TEST-PT-<yy>E", numbered on its
 * own, so a test number never looks like a real one.
 */
export const seriesOf = (year: number, kind: Kind) =>
  `${kind.mode === 'test' ? 'TEST-' : ''}${kind.fine ? 'PT' : 'PH'}-${String(year).slice(-2)}E`;

/** The number as printed: seven digits. */
export const printedNumber = (n: number) => String(n).padStart(7, '0');
