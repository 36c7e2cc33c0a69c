/**
 * CRC-16/CCITT-FALSE, the checksum EMVCo QR codes carry in tag 63: poly 0x1021, init 0xFFFF,
 * no reflection, no final xor. Check value of "123456789" is 29B1.
 */

const encoder = new TextEncoder();

/** The CRC as 4 uppercase hex digits, computed over the UTF-8 bytes of `input`. */
export function crc16(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
