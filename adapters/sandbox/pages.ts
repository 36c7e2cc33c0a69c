import { randomBytes } from 'node:crypto';
import express, { Router } from 'express';
import type { AdapterHost, ProviderContext } from '../types.ts';
import { callbackFields, SANDBOX_OUTCOMES, type SandboxOutcome, type SandboxRecord } from './index.ts';
import { verify } from './signature.ts';

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const TEXT = {
  vi: {
    title: 'Cổng thanh toán thử nghiệm',
    intro: 'Đây là trang của nhà cung cấp thử nghiệm. Không có tiền thật nào được chuyển. Chọn kết quả:',
    amount: 'Số tiền',
    succeeded: 'Thanh toán thành công',
    failed: 'Thanh toán thất bại',
    cancelled: 'Huỷ thanh toán',
    succeeded_late_notification: 'Thành công, thông báo đến muộn',
    invalid: 'Yêu cầu không hợp lệ (sai chữ ký).',
  },
  en: {
    title: 'Sandbox payment provider',
    intro: 'This is the test provider’s page. No real money moves. Choose the outcome:',
    amount: 'Amount',
    succeeded: 'Payment succeeds',
    failed: 'Payment fails',
    cancelled: 'Cancel the payment',
    succeeded_late_notification: 'Succeeds, notification delayed',
    invalid: 'Invalid request (bad signature).',
  },
};

const SIGNED = [
  'attempt_id',
  'amount',
  'description',
  'language',
  'return_url',
  'expires_at',
  'sig',
] as const;

function signedFields(source: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    SIGNED.map((k) => [k, typeof source[k] === 'string' ? (source[k] as string) : '']),
  );
}

function page(lang: 'vi' | 'en', body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${TEXT[lang].title}</title>
<link rel="stylesheet" href="/assets/checkout.css"></head><body><main class="sandbox">${body}</main></body></html>`;
}

/**
 * Records the tester's choice and, unless the notification is to be "delayed", notifies the hub.
 * A second submit for the same attempt replays the first choice, as a bank would.
 */
export async function settle(
  host: AdapterHost,
  ctx: ProviderContext,
  attempt: { id: string; amount: string },
  outcome: SandboxOutcome,
): Promise<SandboxRecord> {
  const key = `attempt:${attempt.id}`;
  const existing = await ctx.state?.get<SandboxRecord>(key);
  if (existing) return existing;
  const record: SandboxRecord = {
    outcome,
    amount: attempt.amount,
    transactionId: `SBX${randomBytes(8).toString('hex').toUpperCase()}`,
    at: ctx.now().toISOString(),
    refunded: '0',
  };
  await ctx.state?.put(key, record);
  if (outcome !== 'succeeded_late_notification') {
    await host.deliverNotification('sandbox', {
      method: 'POST',
      query: {},
      body: callbackFields(ctx.signingSecret as string, attempt.id, record),
      headers: { 'content-type': 'application/json' },
    });
  }
  return record;
}

/** The sandbox "bank": one form whose submit buttons post outcome = succeeded | failed | cancelled | succeeded_late_notification. */
export function sandboxPages(host: AdapterHost): Router {
  const router = Router();
  router.use('/sandbox/pay', express.urlencoded({ extended: false, limit: '10kb' }));

  const check = async (fields: Record<string, string>) => {
    const ctx = fields.attempt_id ? await host.contextForAttempt(fields.attempt_id) : null;
    if (!ctx?.signingSecret || !verify(ctx.signingSecret, fields)) return null;
    return ctx;
  };

  router.get('/sandbox/pay', async (req, res) => {
    const fields = signedFields(req.query as Record<string, unknown>);
    const lang = fields.language === 'en' ? 'en' : 'vi';
    const t = TEXT[lang];
    if (!(await check(fields))) {
      res
        .status(400)
        .type('html')
        .send(page(lang, `<h1>${t.title}</h1><p role="alert">${t.invalid}</p>`));
      return;
    }
    const hidden = SIGNED.map(
      (k) => `<input type="hidden" name="${k}" value="${esc(fields[k] as string)}">`,
    ).join('');
    const amount = `${BigInt(fields.amount as string).toLocaleString('de-DE')} ₫`;
    const buttons = SANDBOX_OUTCOMES.map(
      (o) => `<button type="submit" name="outcome" value="${o}">${t[o]}</button>`,
    ).join('');
    res.type('html').send(
      page(
        lang,
        `<h1>${t.title}</h1><p>${t.intro}</p>
<dl><dt>${t.amount}</dt><dd class="amount">${amount}</dd><dt>Mã giao dịch / Reference</dt><dd>${esc(fields.attempt_id as string)}</dd></dl>
<p>${esc(fields.description as string)}</p>
<form method="post" action="/sandbox/pay">${hidden}<div class="outcomes">${buttons}</div></form>`,
      ),
    );
  });

  router.post('/sandbox/pay', async (req, res) => {
    const fields = signedFields(req.body ?? {});
    const outcome = req.body?.outcome as SandboxOutcome;
    const ctx = await check(fields);
    if (!ctx || !SANDBOX_OUTCOMES.includes(outcome)) {
      res
        .status(400)
        .type('html')
        .send(page('vi', `<p role="alert">${TEXT.vi.invalid}</p>`));
      return;
    }
    const attemptId = fields.attempt_id as string;
    const record = await settle(host, ctx, { id: attemptId, amount: fields.amount as string }, outcome);
    const back = new URL(fields.return_url as string);
    for (const [k, v] of Object.entries(
      callbackFields(ctx.signingSecret as string, attemptId, record, true),
    )) {
      back.searchParams.set(k, v);
    }
    res.redirect(303, back.toString());
  });

  return router;
}
