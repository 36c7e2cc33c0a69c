/**
 * EMVCo merchant-presented QR: ID–Length–Value fields, where the ID is 2 digits, the length
 * 2 decimal digits and the value 1–99 characters. Some values are templates (TLV nested inside).
 * The payload ends with tag 63, a CRC over everything before it including the literal "6304".
 */
import { crc16 } from './crc.ts';

export type EmvValue = string | EmvField[];

export interface EmvField {
  id: string;
  value: EmvValue;
}

const MAX_VALUE_LENGTH = 99;
const CRC_ID = '63';
const PAYLOAD_FORMAT_ID = '00';

/**
 * Which values are templates. EMV reserves 26–51 (merchant account information), 62 (additional
 * data), 64 (language template) and 80–99 (unreserved) as templates; inside VietQR's 38, the
 * beneficiary organisation (01) is itself a template holding the BIN and the account.
 */
export function isTemplate(path: readonly string[]): boolean {
  if (path.length === 1) {
    const id = Number(path[0]);
    return (id >= 26 && id <= 51) || id === 62 || id === 64 || id >= 80;
  }
  return path.length === 2 && path[0] === '38' && path[1] === '01';
}

/**
 * EMV values are in the "ans" set: printable ASCII. Only the language template (64) may carry
 * another alphabet (the merchant name in Vietnamese with diacritics), so only there do we allow
 * non-ASCII, still without control characters.
 */
function checkCharacters(path: readonly string[], value: string, where: string): void {
  const allowed = path[0] === '64' ? /^[^\p{Cc}]*$/u : /^[\x20-\x7e]*$/;
  if (!allowed.test(value)) {
    const bad = [...value].find((c) => !allowed.test(c)) ?? '';
    const code = bad.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    throw new Error(
      `EMV tag ${label(path)}${where}: character U+${code} is not allowed (printable ASCII only)`,
    );
  }
}

function label(path: readonly string[]): string {
  return path.join('.');
}

/** Length in characters (code points), as EMV counts them, not UTF-16 units or bytes. */
function charLength(value: string): number {
  return [...value].length;
}

/** Encodes fields as TLV, without a CRC. `path` is where these fields sit (for nested templates). */
export function encodeTlv(fields: readonly EmvField[], path: readonly string[] = []): string {
  const seen = new Set<string>();
  let out = '';
  for (const { id, value } of fields) {
    const here = [...path, id];
    if (!/^\d{2}$/.test(id)) throw new Error(`EMV ID must be 2 digits, got ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new Error(`EMV tag ${label(here)} appears twice`);
    seen.add(id);
    const template = isTemplate(here);
    if (template !== Array.isArray(value)) {
      throw new Error(
        `EMV tag ${label(here)} ${template ? 'is a template: give its fields' : 'is not a template'}`,
      );
    }
    let text: string;
    if (typeof value === 'string') {
      checkCharacters(here, value, '');
      text = value;
    } else {
      text = encodeTlv(value, here);
    }
    const length = charLength(text);
    if (length < 1 || length > MAX_VALUE_LENGTH) {
      throw new Error(
        `EMV tag ${label(here)} value is ${length} characters; it must be 1–${MAX_VALUE_LENGTH}`,
      );
    }
    out += id + String(length).padStart(2, '0') + text;
  }
  return out;
}

/**
 * A complete payload: the fields (00 first, no 63) followed by "6304" and the CRC over all of it.
 * encodeEmv(decodeEmv(p)) === p for any payload decodeEmv accepts.
 */
export function encodeEmv(fields: readonly EmvField[]): string {
  if (fields[0]?.id !== PAYLOAD_FORMAT_ID) throw new Error('EMV payload must start with tag 00');
  if (fields.some((f) => f.id === CRC_ID)) throw new Error('EMV tag 63 (CRC) is appended by encodeEmv');
  const body = `${encodeTlv(fields)}${CRC_ID}04`;
  return body + crc16(body);
}

/**
 * Decodes and verifies a payload. Throws on a wrong or misplaced CRC, truncated or malformed
 * TLV, duplicate IDs, or characters EMV does not allow. Returns the fields without tag 63.
 */
export function decodeEmv(payload: string): EmvField[] {
  if (typeof payload !== 'string' || payload.length === 0) throw new Error('EMV payload is empty');
  // The CRC is checked before the structure, so any corruption is reported as what it is.
  if (payload.slice(-8, -4) !== `${CRC_ID}04`) {
    throw new Error('EMV payload must end with the CRC field: "6304" and 4 hex digits');
  }
  const stated = payload.slice(-4);
  if (!/^[0-9A-F]{4}$/.test(stated))
    throw new Error(`EMV CRC must be 4 uppercase hex digits, got "${stated}"`);
  const computed = crc16(payload.slice(0, -4));
  if (stated !== computed) {
    throw new Error(`EMV CRC mismatch: payload says ${stated}, computed ${computed}`);
  }

  const chars = [...payload];
  const fields = decodeRange(chars, 0, chars.length, []);
  const last = fields.at(-1);
  // The decoded last field must be exactly the 8 characters whose CRC we checked.
  if (last?.id !== CRC_ID || last.value.length !== 4 || fields.length < 2) {
    throw new Error('EMV tag 63 (CRC) must be the last field');
  }
  if (fields[0]!.id !== PAYLOAD_FORMAT_ID || fields[0]!.value !== '01') {
    throw new Error('EMV payload must start with tag 00 = "01" (payload format indicator)');
  }
  return fields.slice(0, -1);
}

/** Decodes TLV without any CRC: for templates, or for bodies read elsewhere. */
export function decodeTlv(text: string, path: readonly string[] = []): EmvField[] {
  const chars = [...text];
  return decodeRange(chars, 0, chars.length, path);
}

function decodeRange(
  chars: readonly string[],
  start: number,
  end: number,
  path: readonly string[],
): EmvField[] {
  const fields: EmvField[] = [];
  const seen = new Set<string>();
  const inside = path.length ? ` inside tag ${label(path)}` : '';
  let at = start;
  while (at < end) {
    if (end - at < 4) {
      throw new Error(
        `EMV TLV truncated at character ${at}${inside}: ${end - at} left, an ID and a length need 4`,
      );
    }
    const id = chars.slice(at, at + 2).join('');
    const lengthText = chars.slice(at + 2, at + 4).join('');
    const here = [...path, id];
    if (!/^\d{2}$/.test(id)) throw new Error(`EMV ID at character ${at}${inside} is not 2 digits: "${id}"`);
    if (!/^\d{2}$/.test(lengthText) || lengthText === '00') {
      throw new Error(`EMV tag ${label(here)} at character ${at} has a bad length "${lengthText}" (01–99)`);
    }
    const length = Number(lengthText);
    const valueStart = at + 4;
    if (valueStart + length > end) {
      throw new Error(
        `EMV tag ${label(here)} at character ${at} is truncated: declares ${length} characters, ` +
          `${end - valueStart} remain${inside}`,
      );
    }
    if (seen.has(id)) throw new Error(`EMV tag ${label(here)} appears twice`);
    seen.add(id);
    const value = isTemplate(here)
      ? decodeRange(chars, valueStart, valueStart + length, here)
      : chars.slice(valueStart, valueStart + length).join('');
    if (typeof value === 'string') checkCharacters(here, value, ` at character ${valueStart}`);
    fields.push({ id, value });
    at = valueStart + length;
  }
  return fields;
}

/** The value at a path of IDs ("38", "01", "00"), or undefined when any step is missing. */
export function emvValue(fields: readonly EmvField[], ...path: string[]): EmvValue | undefined {
  let level: readonly EmvField[] = fields;
  let found: EmvValue | undefined;
  for (const id of path) {
    found = level.find((f) => f.id === id)?.value;
    if (found === undefined) return undefined;
    if (typeof found !== 'string') level = found;
    else level = [];
  }
  return found;
}

/** Like emvValue, for a leaf: throws if the path names a template rather than text. */
export function emvText(fields: readonly EmvField[], ...path: string[]): string | undefined {
  const value = emvValue(fields, ...path);
  if (value !== undefined && typeof value !== 'string')
    throw new Error(`EMV tag ${label(path)} is a template`);
  return value;
}
