/** VNPay's codes and their meanings, as PROVIDERS.md §1.5–§1.8 lists them. */

/** vnp_ResponseCode of pay, Return URL and IPN (§1.5). */
export const PAY_RESPONSE_CODES: Readonly<Record<string, string>> = {
  '00': 'Transaction successful.',
  '07': 'Money deducted, but the transaction is suspected of fraud or unusual.',
  '09': 'Card or account not registered for InternetBanking.',
  '10': 'Card or account authentication failed more than 3 times.',
  '11': 'The payment wait expired.',
  '12': 'Card or account locked.',
  '13': 'Wrong OTP.',
  '24': 'The customer cancelled the transaction.',
  '51': 'Insufficient balance.',
  '65': 'Daily transaction limit exceeded.',
  '75': 'The bank is under maintenance.',
  '79': 'Wrong payment password entered too many times.',
  '99': 'Other error.',
};

/** vnp_TransactionStatus of IPN, querydr and refund (§1.6). */
export const TRANSACTION_STATUSES: Readonly<Record<string, string>> = {
  '00': 'Transaction successful.',
  '01': 'Transaction not completed.',
  '02': 'Transaction error.',
  '04': 'Reversed: the customer was debited at the bank but the transaction did not succeed at VNPay.',
  '05': 'VNPay is processing the refund.',
  '06': 'Refund request sent to the bank.',
  '07': 'Transaction suspected of fraud.',
  '09': 'Refund rejected.',
};

/** vnp_ResponseCode of querydr and refund: about the request itself, not the payment (§1.7, §1.8). */
export const API_RESPONSE_CODES: Readonly<Record<string, string>> = {
  '00': 'Request successful.',
  '02': 'Invalid merchant code (TmnCode).',
  '03': 'Data sent in the wrong format.',
  '91': 'Transaction not found.',
  '94': 'Duplicate request within the API time limit.',
  '95': 'The original transaction was not successful at VNPay; refund refused.',
  '97': 'Invalid checksum.',
  '99': 'Other error.',
};

/**
 * A vnp_TransactionStatus in the hub's words, for settlement lines: 00 paid (or refunded), 01 not
 * yet completed and 05/06 a refund under way are pending, anything else failed.
 */
export function transactionOutcome(status: string): 'succeeded' | 'pending' | 'failed' {
  if (status === '00') return 'succeeded';
  return status === '01' || status === '05' || status === '06' ? 'pending' : 'failed';
}

export function meaningOf(table: Readonly<Record<string, string>>, code: string): string {
  return table[code] ?? `VNPay code ${code}.`;
}
