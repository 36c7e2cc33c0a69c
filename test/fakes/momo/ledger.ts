/** The simulator's records, and the settlement file it produces from them. */
export interface SimRefund {
  orderId: string;
  requestId: string;
  amount: number;
  transId: number;
  description: string;
  responseTime: number;
}

export interface SimOrder {
  orderId: string;
  requestId: string;
  amount: number;
  orderInfo: string;
  redirectUrl: string;
  ipnUrl: string;
  extraData: string;
  lang: 'vi' | 'en';
  /** orderExpireTime as sent: minutes the order stays payable. */
  orderExpireTime?: number;
  /** 1000 until the citizen acts (MoMo's "initiated, waiting for user confirmation"). */
  resultCode: number;
  /** 0 until MoMo has a transaction for the order. */
  transId: number;
  payType: string;
  responseTime: number;
  refunds: SimRefund[];
}

/** MoMo's messages for the codes the simulator produces (English, as with lang=en). */
export const MESSAGES: Record<number, string> = {
  0: 'Successful.',
  1000: 'Transaction is initiated, waiting for user confirmation.',
  13: 'Merchant authentication failed.',
  20: 'Bad format request.',
  21: 'Request rejected due to invalid transaction amount.',
  22: 'The transaction amount is out of range.',
  40: 'Duplicated requestId.',
  41: 'Duplicated orderId.',
  42: 'Invalid orderId or orderId is not found.',
  1001: 'Transaction failed due to insufficient funds.',
  1003: 'Transaction cancelled.',
  1005: 'Transaction failed because the url or QR code expired.',
  1006: 'Transaction failed because user has denied to confirm the payment.',
  1080: 'Refund attempt failed during the processing.',
  1081: 'Refund rejected. The original transaction might have been refunded.',
  1088: 'Refund rejected. The original payment transaction is ineligible to be refunded.',
};

/** Vietnam has no daylight saving time: always UTC+7. */
const ICT_MS = 7 * 3_600_000;

export function ictIso(ms: number): string {
  return new Date(ms + ICT_MS).toISOString().replace('Z', '+07:00');
}

/** A made-up MoMo fee for the simulator: 1.1 %, half-up to the đồng; refunds carry none. */
export function simulatorFee(amount: number): number {
  return Math.floor((amount * 11 + 500) / 1000);
}

/** PayHub's MoMo settlement CSV (adapters/momo/README.md) for one Vietnamese calendar day. */
export function settlementCsv(orders: readonly SimOrder[], date: string): string {
  const start = Date.parse(`${date}T00:00:00+07:00`);
  if (Number.isNaN(start)) throw new Error(`simulator: bad date ${date}`);
  const onDay = (ms: number) => ms >= start && ms < start + 86_400_000;
  const rows: { at: number; line: string }[] = [];
  for (const o of orders) {
    if (o.resultCode === 0 && onDay(o.responseTime)) {
      const fee = simulatorFee(o.amount);
      rows.push({
        at: o.responseTime,
        line: `${o.transId},${o.orderId},payment,${o.amount},${fee},0,${ictIso(o.responseTime)}`,
      });
    }
    for (const r of o.refunds) {
      if (onDay(r.responseTime)) {
        rows.push({
          at: r.responseTime,
          line: `${r.transId},${r.orderId},refund,${r.amount},0,0,${ictIso(r.responseTime)}`,
        });
      }
    }
  }
  rows.sort((a, b) => a.at - b.at);
  return (
    ['trans_id,order_id,type,amount,fee,result_code,response_time', ...rows.map((r) => r.line)].join('\n') +
    '\n'
  );
}
