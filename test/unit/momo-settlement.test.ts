import { describe, expect, it } from 'vitest';
import { momoAdapter } from '../../adapters/momo/index.ts';
import type { SettlementLine } from '../../adapters/types.ts';

const HEADER = 'trans_id,order_id,type,amount,fee,result_code,response_time';
const PAYMENT =
  '4088878653,att_01JD3YV5X2M8K9Q4T7W1R6B0CE,payment,150000,1650,0,2025-01-15T10:12:03.456+07:00';
const REFUND = '4088879001,re_01JD3Z0Q9F2K7M3N8P4R5S6T7V,refund,50000,0,0,2025-01-15T15:40:00Z';

async function* stream(chunks: string[]) {
  yield* chunks;
}

async function read(...chunks: string[]): Promise<SettlementLine[]> {
  const lines: SettlementLine[] = [];
  for await (const line of momoAdapter.parseSettlement(stream(chunks))) lines.push(line);
  return lines;
}

describe("PayHub's MoMo settlement CSV", () => {
  it('reads payments and refunds with exact amounts and instants', async () => {
    const lines = await read(`${HEADER}\n${PAYMENT}\n${REFUND}\n`);
    expect(lines).toEqual([
      {
        lineNo: 2,
        providerTransactionId: '4088878653',
        merchantReference: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
        type: 'payment',
        amount: '150000',
        fee: '1650',
        status: 'succeeded',
        occurredAt: new Date('2025-01-15T03:12:03.456Z'),
      },
      expect.objectContaining({
        lineNo: 3,
        type: 'refund',
        amount: '50000',
        occurredAt: new Date('2025-01-15T15:40:00Z'),
      }),
    ]);
  });

  it('keeps line numbers exact across a BOM, CRLF, blank lines and chunk boundaries', async () => {
    const file = `\uFEFF${HEADER}\r\n\r\n${PAYMENT}\r\n${REFUND}`;
    const cut = file.indexOf('payment') + 3;
    const lines = await read(file.slice(0, cut), file.slice(cut));
    expect(lines.map((l) => [l.lineNo, l.amount, l.occurredAt.toISOString()])).toEqual([
      [3, '150000', '2025-01-15T03:12:03.456Z'],
      [4, '50000', '2025-01-15T15:40:00.000Z'],
    ]);
  });

  it('maps result codes to the neutral status', async () => {
    const pending = PAYMENT.replace(',0,2025', ',7000,2025');
    const failed = PAYMENT.replace(',0,2025', ',1006,2025');
    expect((await read(`${HEADER}\n${pending}\n${failed}\n`)).map((l) => l.status)).toEqual([
      'pending',
      'failed',
    ]);
  });

  it.each([
    [
      'a wrong header',
      `trans_id,order_id,type,amount,fee,status,response_time\n${PAYMENT}`,
      1,
      /header must be/,
    ],
    ['an empty file', '', 1, /header must be/],
    [
      'a decimal amount',
      `${HEADER}\n${PAYMENT}\n${PAYMENT.replace(',150000,', ',150000.5,')}`,
      3,
      /bad amount "150000.5"/,
    ],
    ['a zero amount', `${HEADER}\n${PAYMENT.replace(',150000,', ',0,')}`, 2, /bad amount/],
    ['a negative fee', `${HEADER}\n${PAYMENT.replace(',1650,', ',-1,')}`, 2, /bad fee/],
    [
      'an unknown type',
      `${HEADER}\n${PAYMENT}\n\n${PAYMENT.replace('payment', 'chargeback')}`,
      4,
      /unknown type "chargeback"/,
    ],
    ['a time without offset', `${HEADER}\n${PAYMENT.replace('+07:00', '')}`, 2, /bad response_time/],
    [
      'an impossible date',
      `${HEADER}\n${PAYMENT.replace('2025-01-15', '2025-13-45')}`,
      2,
      /bad response_time/,
    ],
    [
      'a missing column',
      `${HEADER}\n${PAYMENT}\n${REFUND}\n4088879002,att_X,payment,1000,0,0`,
      4,
      /expected 7 columns, got 6/,
    ],
    [
      'a bad order id',
      `${HEADER}\n${PAYMENT.replace('att_01JD3YV5X2M8K9Q4T7W1R6B0CE', 'att 1')}`,
      2,
      /bad order_id/,
    ],
    [
      'a stray quote',
      `${HEADER}\n${PAYMENT}\n4088879002,"att_X,payment,1000,0,0,2025-01-15T10:00:00Z`,
      3,
      /./,
    ],
  ])('rejects %s, naming line %i', async (_what, file, lineNo, reason) => {
    const error = await read(file).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`line ${lineNo}:`);
    expect((error as Error).message).toMatch(reason);
  });
});
