import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MESSAGES, type SimOrder, type SimRefund, settlementCsv } from './ledger.ts';
import { callbackRaw, createRaw, hmac, queryRaw, refundRaw, sameSignature } from './signing.ts';

/**
 * A MoMo AIO v2 simulator on 127.0.0.1 (PROVIDERS.md §2). It verifies every signature with its
 * own code and answers refusals the way MoMo does: HTTP 200, JSON, a resultCode.
 */
export interface MomoSimulatorOptions {
  partnerCode: string;
  accessKey: string;
  secretKey: string;
  /** Pinned clock (ms epoch) for responseTime and settlement dates. */
  now?: () => number;
}

type Body = Record<string, unknown>;
const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
const MIN_AMOUNT = 1_000;
const MAX_AMOUNT = 50_000_000;
const API = '/v2/gateway/api';

const isText = (v: unknown): v is string => typeof v === 'string';
const isLong = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readJson(req: IncomingMessage): Promise<Body | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export async function startMomoSimulator(options: MomoSimulatorOptions) {
  const { partnerCode, accessKey, secretKey } = options;
  const now = options.now ?? Date.now;
  const orders = new Map<string, SimOrder>();
  const refundOrderIds = new Set<string>();
  const requestIds = new Set<string>();
  const ipnDeliveries: { orderId: string; status: number }[] = [];
  let nextTransId = 4_088_878_653;
  // A test's man in the middle: changes the simulator's API answers on their way out.
  let alterAnswer: ((path: string, answer: Body) => Body) | null = null;

  const refusal = (b: Body, resultCode: number) => ({
    partnerCode,
    requestId: b.requestId,
    orderId: b.orderId,
    responseTime: now(),
    message: MESSAGES[resultCode] ?? 'Error',
    resultCode,
  });

  /** The checks MoMo makes before anything else: who is calling and whether they signed it. */
  function authenticate(
    b: Body,
    raw: (accessKey: string, b: Record<string, string | number>) => string,
  ): number | null {
    if (b.partnerCode !== partnerCode) return 13;
    if (!sameSignature(hmac(secretKey, raw(accessKey, b as Record<string, string | number>)), b.signature))
      return 13;
    if (requestIds.has(b.requestId as string)) return 40;
    requestIds.add(b.requestId as string);
    return null;
  }

  function create(b: Body) {
    const strings = [
      'partnerCode',
      'requestId',
      'orderId',
      'orderInfo',
      'redirectUrl',
      'ipnUrl',
      'requestType',
      'extraData',
      'signature',
    ];
    if (!strings.every((k) => isText(b[k])) || !isLong(b.amount)) return refusal(b, 20);
    if (b.lang !== undefined && b.lang !== 'vi' && b.lang !== 'en') return refusal(b, 20);
    // Optional, whole minutes (not part of the signature).
    if (b.orderExpireTime !== undefined && !(isLong(b.orderExpireTime) && b.orderExpireTime >= 1))
      return refusal(b, 20);
    const denied = authenticate(b, createRaw);
    if (denied) return refusal(b, denied);
    const orderId = b.orderId as string;
    if (orderId.length > 50 || !ORDER_ID.test(orderId) || (b.orderInfo as string).length > 255)
      return refusal(b, 20);
    if (b.requestType !== 'captureWallet') return refusal(b, 20);
    if (orders.has(orderId) || refundOrderIds.has(orderId)) return refusal(b, 41);
    if (b.amount < MIN_AMOUNT || b.amount > MAX_AMOUNT) return refusal(b, 22);
    orders.set(orderId, {
      orderId,
      requestId: b.requestId as string,
      amount: b.amount,
      orderInfo: b.orderInfo as string,
      redirectUrl: b.redirectUrl as string,
      ipnUrl: b.ipnUrl as string,
      extraData: b.extraData as string,
      lang: (b.lang as 'vi' | 'en' | undefined) ?? 'vi',
      orderExpireTime: b.orderExpireTime as number | undefined,
      resultCode: 1000,
      transId: 0,
      payType: '',
      responseTime: now(),
      refunds: [],
    });
    return {
      partnerCode,
      requestId: b.requestId,
      orderId,
      amount: b.amount,
      responseTime: now(),
      message: MESSAGES[0],
      resultCode: 0,
      payUrl: `${url}/pay/${encodeURIComponent(orderId)}`,
      deeplink: `momo://app?action=payWithApp&orderId=${encodeURIComponent(orderId)}`,
      qrCodeUrl: `momo://app?action=payWithApp&qr=1&orderId=${encodeURIComponent(orderId)}`,
    };
  }

  function query(b: Body) {
    if (!['partnerCode', 'requestId', 'orderId', 'signature'].every((k) => isText(b[k])))
      return refusal(b, 20);
    const denied = authenticate(b, queryRaw);
    if (denied) return refusal(b, denied);
    const order = orders.get(b.orderId as string);
    if (!order) return refusal(b, 42);
    return {
      partnerCode,
      orderId: order.orderId,
      requestId: b.requestId,
      extraData: order.extraData,
      amount: order.amount,
      transId: order.transId,
      payType: order.payType,
      resultCode: order.resultCode,
      refundTrans: order.refunds.map((r) => ({
        orderId: r.orderId,
        amount: r.amount,
        transId: r.transId,
        resultCode: 0,
      })),
      message: MESSAGES[order.resultCode] ?? '',
      responseTime: now(),
      lastUpdated: order.responseTime,
    };
  }

  function refund(b: Body) {
    const strings = ['partnerCode', 'requestId', 'orderId', 'description', 'signature'];
    if (
      !strings.every((k) => isText(b[k])) ||
      !isLong(b.amount) ||
      !(isLong(b.transId) || isText(b.transId))
    ) {
      return refusal(b, 20);
    }
    const denied = authenticate(b, refundRaw);
    if (denied) return refusal(b, denied);
    const orderId = b.orderId as string;
    if (!ORDER_ID.test(orderId)) return refusal(b, 20);
    if (orders.has(orderId) || refundOrderIds.has(orderId)) return refusal(b, 41);
    if (b.amount < 1) return refusal(b, 21);
    const original = [...orders.values()].find(
      (o) => o.transId !== 0 && String(o.transId) === String(b.transId),
    );
    if (!original) return refusal(b, 1080);
    if (original.resultCode !== 0) return refusal(b, 1088);
    const refunded = original.refunds.reduce((sum, r) => sum + r.amount, 0);
    if (b.amount > original.amount - refunded) return refusal(b, 1081);
    const record: SimRefund = {
      orderId,
      requestId: b.requestId as string,
      amount: b.amount,
      transId: nextTransId++,
      description: b.description as string,
      responseTime: now(),
    };
    original.refunds.push(record);
    refundOrderIds.add(orderId);
    return { ...refusal(b, 0), amount: record.amount, transId: record.transId };
  }

  /** MoMo's payment page, as a browser sees it: the order, and buttons to pay or cancel in the wallet. */
  function payPage(orderId: string, res: ServerResponse) {
    const order = orders.get(orderId);
    if (!order) return res.writeHead(404, { 'content-type': 'text/plain' }).end('order not found');
    const en = order.lang === 'en';
    const form = (action: string, label: string) =>
      `<form method="post" action="/pay/${encodeURIComponent(order.orderId)}">` +
      `<input type="hidden" name="action" value="${action}"><button type="submit">${label}</button></form>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="${order.lang}"><meta charset="utf-8"><title>MoMo (simulator)</title>` +
        `<main><h1>${en ? 'MoMo e-wallet — simulator' : 'Ví MoMo — giả lập'}</h1><p>${escapeHtml(order.orderInfo)}</p>` +
        `<p>${en ? 'Amount' : 'Số tiền'}: <strong>${order.amount.toLocaleString('vi-VN')} ₫</strong></p>` +
        `<p>${en ? 'Order' : 'Mã đơn hàng'}: ${escapeHtml(order.orderId)}</p>` +
        (order.resultCode === 1000
          ? form('pay', en ? 'Confirm payment' : 'Xác nhận thanh toán') +
            form('cancel', en ? 'Cancel' : 'Hủy')
          : '') +
        `</main></html>`,
    );
  }

  /** The citizen confirms or cancels in the wallet: MoMo redirects the browser and sends the IPN. */
  async function payFromPage(orderId: string, req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const action = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('action');
    const order = orders.get(orderId);
    if (order?.resultCode !== 1000 || (action !== 'pay' && action !== 'cancel'))
      return res.writeHead(400, { 'content-type': 'text/plain' }).end('order not payable');
    const location = simulator.pay(orderId, action === 'cancel' ? { resultCode: 1006 } : {});
    res.writeHead(303, { location }).end();
    simulator.sendIpn(orderId).catch(() => {});
  }

  const routes: Record<string, (b: Body) => object> = {
    [`${API}/create`]: create,
    [`${API}/query`]: query,
    [`${API}/refund`]: refund,
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const handler = routes[path];
    if (req.method === 'POST' && handler) {
      readJson(req).then((body) => {
        const [status, answer] = body ? [200, handler(body) as Body] : [400, refusal({}, 20)];
        res
          .writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
          .end(JSON.stringify(alterAnswer ? alterAnswer(path, answer) : answer));
      });
      return;
    }
    const pay = /^\/pay\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && pay) return payPage(decodeURIComponent(pay[1]!), res);
    if (req.method === 'POST' && pay) {
      payFromPage(decodeURIComponent(pay[1]!), req, res).catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function orderOf(orderId: string): SimOrder {
    const order = orders.get(orderId);
    if (!order) throw new Error(`simulator: no order ${orderId}`);
    return order;
  }

  /** The fields MoMo sends to both redirectUrl and ipnUrl, signed as documented. */
  function callbackBody(orderId: string): Record<string, string | number> {
    const o = orderOf(orderId);
    const fields = {
      partnerCode,
      orderId: o.orderId,
      requestId: o.requestId,
      amount: o.amount,
      orderInfo: o.orderInfo,
      orderType: 'momo_wallet',
      transId: o.transId,
      resultCode: o.resultCode,
      message: MESSAGES[o.resultCode] ?? 'Error',
      payType: o.payType,
      responseTime: o.responseTime,
      extraData: o.extraData,
    };
    return { ...fields, signature: hmac(secretKey, callbackRaw(accessKey, fields)) };
  }

  const simulator = {
    url,
    endpoint: `${url}${API}`,
    orders,
    ipnDeliveries,
    callbackBody,
    /** The citizen finishes at MoMo: returns redirectUrl with the signed result, as the browser gets it. */
    pay(orderId: string, outcome: { resultCode?: number; payType?: string } = {}): string {
      const order = orderOf(orderId);
      if (order.resultCode !== 1000) throw new Error(`simulator: order ${orderId} is already final`);
      order.resultCode = outcome.resultCode ?? 0;
      order.payType = outcome.payType ?? 'qr';
      order.transId = nextTransId++;
      order.responseTime = now();
      const target = new URL(order.redirectUrl);
      for (const [k, v] of Object.entries(callbackBody(orderId))) target.searchParams.set(k, String(v));
      return target.toString();
    },
    /** POSTs the signed IPN to the order's ipnUrl; `tamper` changes the amount after signing. */
    async sendIpn(orderId: string, opts: { duplicate?: boolean; tamper?: boolean } = {}): Promise<number> {
      const body = callbackBody(orderId);
      if (opts.tamper) body.amount = (body.amount as number) + 1_000;
      let status = 0;
      for (let i = 0; i < (opts.duplicate ? 2 : 1); i++) {
        const response = await fetch(orderOf(orderId).ipnUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await response.arrayBuffer();
        status = response.status;
        ipnDeliveries.push({ orderId, status });
      }
      return status;
    },
    /** Alters every API answer (path, answer) before it is sent; null: answer as MoMo does. */
    alterAnswers(alter: ((path: string, answer: Body) => Body) | null) {
      alterAnswer = alter;
    },
    refundsOf: (orderId: string): readonly SimRefund[] => orderOf(orderId).refunds,
    settlementCsv: (date: string) => settlementCsv([...orders.values()], date),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return simulator;
}

export type MomoSimulator = Awaited<ReturnType<typeof startMomoSimulator>>;
