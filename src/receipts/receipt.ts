export {
  type BilingualText,
  formatIssuedAt,
  obligationTypeName,
  type ReceiptBudget,
  type ReceiptData,
  type ReceiptField,
  type ReceiptLine,
  type ReceiptLineKey,
  receiptHeader,
  receiptLines,
  receiptTitle,
  TEST_MARK,
} from './lines.ts';
export { receiptQrPng, renderReceiptPdf } from './pdf.ts';
export { amountInVietnameseWords } from './words.ts';
