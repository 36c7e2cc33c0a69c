/**
 * The QR image of a payload. Level M (15% recovery) keeps the symbol small enough for phone
 * cameras at checkout-page size; a 4-module quiet zone is what the QR standard requires.
 */
import QRCode from 'qrcode';

export function qrPng(payload: string): Promise<Buffer> {
  return QRCode.toBuffer(payload, { errorCorrectionLevel: 'M', margin: 4, scale: 8 });
}

export function qrSvg(payload: string): Promise<string> {
  return QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
