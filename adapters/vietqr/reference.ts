/**
 * PayHub's transfer reference: the code a payer's bank copies into the transfer memo, by which
 * an incoming transfer is matched to a payment. "PH" + 10 random characters + 1 check character,
 * e.g. PH7K3M9Q2X4AB, all from Crockford's base32 alphabet (no I, L, O, U: nothing to misread).
 *
 * The check character is a Damm-style check over GF(32): reading the 10 characters as elements
 * of GF(2^5) (modulus x^5 + x^2 + 1), interim = x·interim ⊕ c for each, and the check is
 * x·interim, so that the same fold over all 11 gives 0. Equivalently the 11 values, taken as the
 * coefficients of a polynomial, vanish at x. Because x has order 31, this detects every single
 * substitution, every transposition of two different characters (adjacent or not) and every
 * twin error (aa → bb), which mod-N Luhn does not fully do. Crockford's own mod-37 check needs
 * the symbols * ~ $ = U, which banking apps strip from memos, so it would not survive the trip.
 */
import { randomBytes } from 'node:crypto';

export const REFERENCE_PREFIX = 'PH';
export const REFERENCE_BODY_LENGTH = 10;
/** "PH" + body + check. */
export const REFERENCE_LENGTH = REFERENCE_PREFIX.length + REFERENCE_BODY_LENGTH + 1;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Crockford's decoding aliases: a payer typing a reference by hand may write O for 0, I or L for 1. */
const ALIASES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

/** Multiplication by x in GF(32) with the primitive modulus x^5 + x^2 + 1 (0b100101). */
function timesX(value: number): number {
  const shifted = value << 1;
  return shifted & 0x20 ? shifted ^ 0x25 : shifted;
}

function fold(values: readonly number[]): number {
  let interim = 0;
  for (const value of values) interim = timesX(interim) ^ value;
  return interim;
}

function checkSymbol(body: readonly number[]): string {
  return ALPHABET[timesX(fold(body))]!;
}

function symbolValues(text: string): number[] | null {
  const values = [...text].map((c) => ALPHABET.indexOf(c));
  return values.includes(-1) ? null : values;
}

/** A reference from 10 bytes of randomness (the low 5 bits of each: 256 is a multiple of 32). */
export function referenceFromBytes(bytes: Uint8Array): string {
  if (bytes.length < REFERENCE_BODY_LENGTH) throw new Error(`need ${REFERENCE_BODY_LENGTH} random bytes`);
  const body = Array.from(bytes.subarray(0, REFERENCE_BODY_LENGTH), (b) => b & 0x1f);
  return REFERENCE_PREFIX + body.map((v) => ALPHABET[v]).join('') + checkSymbol(body);
}

/** A fresh reference: 50 random bits, so collisions are rare but the caller still enforces uniqueness. */
export function newTransferReference(): string {
  return referenceFromBytes(randomBytes(REFERENCE_BODY_LENGTH));
}

/** True only for the canonical form (uppercase, no separators) with a valid check character. */
export function isTransferReference(s: string): boolean {
  if (typeof s !== 'string' || s.length !== REFERENCE_LENGTH || !s.startsWith(REFERENCE_PREFIX)) return false;
  const values = symbolValues(s.slice(REFERENCE_PREFIX.length));
  return values !== null && fold(values) === 0;
}

interface Candidate {
  reference: string;
  position: number;
  score: number;
}

/**
 * Every reference with a valid check character found in a bank memo, most plausible first.
 * Tolerates case, diacritics and any punctuation or spaces inserted around or inside the
 * reference ("chuyen tien PH-7K3M 9Q2X.4AB ho so"). Memo text can form a false candidate that
 * passes the check by chance (1 in 32), so candidates that stand as their own word and need no
 * O/I/L aliasing rank first; the matcher should take the first one that names an open payment.
 */
export function findTransferReferences(memo: string): string[] {
  // Strip diacritics so "phí" reads as PHI, not as P, H and a separator.
  const text = memo.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'D').toUpperCase();
  const isAlnum = (c: string | undefined) => c !== undefined && /[A-Z0-9]/.test(c);
  const chars: { c: string; at: number }[] = [];
  for (let at = 0; at < text.length; at++) {
    if (isAlnum(text[at])) chars.push({ c: text[at]!, at });
  }

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (let i = 0; i + REFERENCE_LENGTH <= chars.length; i++) {
    if (chars[i]!.c !== 'P' || chars[i + 1]!.c !== 'H') continue;
    const raw = chars.slice(i + 2, i + REFERENCE_LENGTH);
    const rest = raw.map(({ c }) => ALIASES[c] ?? c).join('');
    const values = symbolValues(rest);
    if (values === null || fold(values) !== 0) continue;
    const reference = REFERENCE_PREFIX + rest;
    if (seen.has(reference)) continue;
    seen.add(reference);
    const startsWord = !isAlnum(text[chars[i]!.at - 1]);
    const endsWord = !isAlnum(text[raw.at(-1)!.at + 1]);
    const unaliased = raw.every(({ c }) => ALIASES[c] === undefined);
    candidates.push({
      reference,
      position: i,
      score: Number(startsWord) + Number(endsWord) + Number(unaliased),
    });
  }
  candidates.sort((a, b) => b.score - a.score || a.position - b.position);
  return candidates.map((c) => c.reference);
}

/** The most plausible reference in a memo, canonical, or null when none validates. */
export function findTransferReference(memo: string): string | null {
  return findTransferReferences(memo)[0] ?? null;
}
