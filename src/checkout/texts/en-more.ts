import type { viMore } from './vi-more.ts';

/** The receipt check, bank transfer and information pages' texts in English. */
export const enMore: typeof viMore = {
  receiptValid: 'Valid receipt',
  receiptUnknown: 'No such receipt',
  receiptUnknownText:
    'The verification code is wrong. Scan the QR code on the receipt again or type the code exactly.',
  issuedAt: 'Issued',
  refunded: 'Refunded',
  receiptRefunded: 'Refunded in full: the payment was returned to the payer',
  receiptPartlyRefunded: 'Valid receipt, partly refunded',
  receiptCancelled: 'Cancelled receipt: no longer valid',
  receiptTest: 'TEST — test payment, not a valid receipt',
  receiptAmount: 'Amount on the receipt',
  receiptNext: 'Compare these details with the receipt you hold. If anything differs, contact the agency.',
  cancelledOn: 'Cancelled on',
  formSeriesNo: 'Form · Series · No.',
  transferTitle: 'Pay by bank transfer with a QR code',
  transferSteps:
    'Open your banking app, choose to scan a QR code and scan this one. If you are paying on this phone, save the QR image and pick it in your banking app, or make the transfer by hand.',
  transferQrAlt: (reference: string) => `Bank transfer QR code, reference ${reference}`,
  saveQr: 'Save the QR image',
  transferManual: 'Or make the transfer by hand with exactly these details',
  transferBank: 'Bank',
  transferAccountNo: 'Account number',
  transferAccountName: 'Account name',
  transferAmount: 'Amount',
  transferReference: 'Transfer reference (memo)',
  copy: 'Copy',
  copied: 'Copied',
  transferNote:
    'Keep the transfer reference and the amount exactly as shown. The payment is confirmed when the bank reports the credit, usually within 1–2 minutes.',
  transferOther: 'If you have not made the transfer, you can choose another method:',
  playCredit: 'Play the bank’s credit (test mode only)',
  playCreditHint: 'Sends the test bank’s credit notification through the bank feed, as a real bank would.',
  homeTitle: 'Shared payment hub for public services',
  homeLead:
    'Pay fees, charges, taxes, administrative fines and insurance contributions to public agencies by VNPAY, MoMo e-wallet or VietQR bank transfer.',
  homeReturned: 'You are back from the payment page',
  homeReturnedText:
    'This is the demo’s home page. A real service portal would show your application here; the payment’s result and receipt stay on the payment page.',
  homeHow: 'How paying works',
  homeSteps: [
    'The service portal sends you a payment link.',
    'You check the agency, what is paid and the amount, and choose a method.',
    'You pay at your bank or e-wallet, then come back for a digitally signed e-receipt.',
  ],
  homeDevelopers: 'For developers',
  apiDocs: 'API documentation',
  privacyTitle: 'Privacy',
  privacyBody: [
    'The payment hub handles only what it needs to collect the payment: what is paid, the amount, the dossier reference and the payer’s name sent by the agency.',
    'Your card and account details are entered on the bank’s or e-wallet’s own page and never pass through the hub.',
    'The payment pages set one cookie, remembering the language you chose for that payment; there are no advertising or tracking cookies and nothing is loaded from third parties.',
    'The receipt check page shows no name or personal details of the payer.',
    'Data is handled under Decree 13/2023/ND-CP on personal data protection. Requests about your data go to the collecting agency.',
  ],
  accessibilityTitle: 'Accessibility statement',
  accessibilityBody: [
    'The payment pages aim at WCAG 2.1 level AA and are checked automatically with axe-core on phone and desktop screens.',
    'Every page works with JavaScript turned off and can be used with a keyboard and a screen reader alone.',
    'The pages of banks and e-wallets are outside this statement.',
    'If you have difficulty paying, contact the agency or the helpline in the page footer.',
  ],
};
