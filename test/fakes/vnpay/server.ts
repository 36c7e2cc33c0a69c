import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import { handleApi } from './api.ts';
import { dong, Ledger, type SimOrder } from './ledger.ts';
import { acceptPayRequest, errorPage, orderPage, PayPageError } from './pages.ts';
import { signQuery, vnTime } from './signing.ts';

/**
 * A protocol-faithful VNPay 2.1.0 simulator (PROVIDERS.md §1) on 127.0.0.1 and an ephemeral port.
 * It signs and verifies with its own code (signing.ts), never the adapter's.
 */

export interface VnpaySimulatorOptions {
  tmnCode: string;
  hashSecret: string;
  /** The simulator's clock (pay dates, refund dates, expiry). */
  now?: () => Date;
}

export interface PayOptions {
  responseCode?: string;
  /** Defaults to 00 when responseCode is 00, else 02. */
  transactionStatus?: string;
}

export interface IpnOptions {
  ipnUrl: string;
  /** Deliver twice, as VNPay does when it retries; the second reply is returned. */
  duplicate?: boolean;
  /** Change vnp_Amount after signing, as a forger would. */
  tamper?: boolean;
}

export interface IpnReply {
  RspCode: string;
  Message: string;
}

const FEE_RATE = new Decimal('0.011');
const MIN_FEE = new Decimal(1650);

export async function startVnpaySimulator(options: VnpaySimulatorOptions) {
  const ledger = new Ledger();
  const now = options.now ?? (() => new Date());
  let refundStatus = '00';
  const config = {
    tmnCode: options.tmnCode,
    hashSecret: options.hashSecret,
    now,
    refundStatus: () => refundStatus,
  };
  // A test's man in the middle: changes the simulator's signed API answers on their way out.
  let loseAnswers = 0;
  let dropRequests = 0;
  let alterAnswer: ((answer: Record<string, unknown>) => Record<string, unknown>) | null = null;
  const ipnLog: Array<{ txnRef: string; url: string; status: number; reply: IpnReply }> = [];

  /** Settles an order and returns the signed Return URL, as VNPay redirects the browser. */
  function pay(txnRef: string, opts: PayOptions = {}): string {
    const order = ledger.get(txnRef);
    if (order.state !== 'open') throw new Error(`order ${txnRef} is already ${order.state}`);
    const responseCode = opts.responseCode ?? '00';
    const transactionStatus = opts.transactionStatus ?? (responseCode === '00' ? '00' : '02');
    const paid = responseCode === '00' && transactionStatus === '00';
    Object.assign(order, {
      state: paid ? 'paid' : 'failed',
      responseCode,
      transactionStatus,
      transactionNo: ledger.transactionNo(),
      payDate: now(),
    } satisfies Partial<SimOrder>);
    order.result = {
      vnp_Amount: order.amount.toString(),
      vnp_BankCode: 'NCB',
      ...(paid ? { vnp_BankTranNo: `VNP${order.transactionNo}` } : {}),
      vnp_CardType: 'ATM',
      vnp_OrderInfo: order.orderInfo,
      vnp_PayDate: vnTime(order.payDate!),
      vnp_ResponseCode: responseCode,
      vnp_TmnCode: options.tmnCode,
      vnp_TransactionNo: order.transactionNo!,
      vnp_TransactionStatus: transactionStatus,
      vnp_TxnRef: txnRef,
    };
    return returnUrlOf(order);
  }

  function returnUrlOf(order: SimOrder): string {
    const separator = order.returnUrl.includes('?') ? '&' : '?';
    return `${order.returnUrl}${separator}${signQuery(options.hashSecret, order.result!)}`;
  }

  async function sendIpn(txnRef: string, opts: IpnOptions): Promise<IpnReply> {
    const order = ledger.get(txnRef);
    if (!order.result) throw new Error(`order ${txnRef} is not settled yet: call pay() first`);
    let query = signQuery(options.hashSecret, order.result);
    if (opts.tamper)
      query = query.replace(/vnp_Amount=(\d+)/, (_, a: string) => `vnp_Amount=${BigInt(a) * 10n}`);
    const url = `${opts.ipnUrl}${opts.ipnUrl.includes('?') ? '&' : '?'}${query}`;
    let reply: IpnReply | undefined;
    for (let i = 0; i < (opts.duplicate ? 2 : 1); i++) {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as IpnReply;
      ipnLog.push({ txnRef, url, status: response.status, reply: body });
      reply = body;
    }
    return reply!;
  }

  /** A settlement file in PayHub's VNPay layout (adapters/vnpay/README.md) for one GMT+7 day. */
  function settlementCsv(date: string): string {
    const day = date.replace(/-/g, '');
    const lines = ['transaction_no,txn_ref,type,amount,fee,status,pay_date'];
    for (const order of ledger.orders.values()) {
      if (order.state === 'paid' && vnTime(order.payDate!).startsWith(day)) {
        // Simulator choice: 1.1% of the amount, half-up to the đồng, at least 1,650 đồng.
        const fee = Decimal.max(MIN_FEE, new Decimal(dong(order.amount)).times(FEE_RATE)).toDecimalPlaces(
          0,
          Decimal.ROUND_HALF_UP,
        );
        lines.push(
          [
            order.transactionNo,
            order.txnRef,
            'payment',
            dong(order.amount),
            fee.toFixed(0),
            '00',
            vnTime(order.payDate!),
          ].join(','),
        );
      }
      for (const r of order.refunds) {
        if (vnTime(r.at).startsWith(day)) {
          lines.push(
            [r.transactionNo, order.txnRef, 'refund', dong(r.amount), '0', r.status, vnTime(r.at)].join(','),
          );
        }
      }
    }
    return `${lines.join('\n')}\n`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, ...headers }).end(body);
    };
    if (req.method === 'GET' && url.pathname === '/paymentv2/vpcpay.html') {
      try {
        send(200, 'text/html; charset=utf-8', orderPage(acceptPayRequest(config, ledger, url.searchParams)));
      } catch (error) {
        if (!(error instanceof PayPageError)) throw error;
        send(400, 'text/html; charset=utf-8', errorPage(error));
      }
      return;
    }
    if (req.method === 'POST' && url.pathname === '/paymentv2/simulate') {
      const form = new URLSearchParams(await readBody(req));
      const txnRef = form.get('txnRef') ?? '';
      const order = ledger.orders.get(txnRef);
      if (order?.state !== 'open') return send(400, 'text/plain; charset=utf-8', 'Giao dịch không tồn tại');
      const location = pay(txnRef, form.get('action') === 'cancel' ? { responseCode: '24' } : {});
      return send(303, 'text/plain', '', { location });
    }
    if (req.method === 'POST' && url.pathname === '/merchant_webapi/api/transaction') {
      let body: unknown;
      if (dropRequests > 0) {
        // The request never reaches VNPay: the connection drops on the way in.
        dropRequests -= 1;
        req.socket.destroy();
        return;
      }
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        body = undefined;
      }
      const answer = handleApi(config, ledger, body);
      if (loseAnswers > 0) {
        // Done, but the answer never reaches the hub: the connection drops before it is sent.
        loseAnswers -= 1;
        req.socket.destroy();
        return;
      }
      return send(200, 'application/json', JSON.stringify(alterAnswer ? alterAnswer(answer) : answer));
    }
    send(404, 'text/plain', 'not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    payUrl: `${base}/paymentv2/vpcpay.html`,
    apiUrl: `${base}/merchant_webapi/api/transaction`,
    orders: ledger.orders as ReadonlyMap<string, SimOrder>,
    ipnLog,
    pay,
    sendIpn,
    settlementCsv,
    /** The vnp_TransactionStatus later refunds report (00, 05, 06 or 09). */
    setRefundStatus(status: string) {
      refundStatus = status;
    },
    /** VNPay finishes its refunds under way (05/06) with this status (00 done, 09 rejected). */
    finishRefunds(status: '00' | '09') {
      for (const order of ledger.orders.values())
        for (const r of order.refunds) if (r.status === '05' || r.status === '06') r.status = status;
    },
    /** The next querydr or refund is carried out, but its answer is lost on the way back. */
    loseNextAnswer() {
      loseAnswers += 1;
    },
    /** The next querydr or refund is lost on its way in: VNPay never sees it. */
    dropNextRequest() {
      dropRequests += 1;
    },
    /** Alters every querydr and refund answer after signing (null: answer as VNPay does). */
    alterAnswers(alter: ((answer: Record<string, unknown>) => Record<string, unknown>) | null) {
      alterAnswer = alter;
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

export type VnpaySimulator = Awaited<ReturnType<typeof startVnpaySimulator>>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
