import { randomBytes } from 'node:crypto';
import express, { Router } from 'express';
import type { ComponentChildren } from 'preact';
import { renderPage } from '../../src/views/render.ts';
import type { AdapterHost, ProviderContext } from '../types.ts';
import { callbackFields, SANDBOX_OUTCOMES, type SandboxOutcome, type SandboxRecord } from './protocol.ts';
import { verify } from './signature.ts';

const TEXT = {
  vi: {
    title: 'Cổng thanh toán thử nghiệm',
    banner: 'THỬ NGHIỆM — không có tiền thật nào được chuyển.',
    intro: 'Đây là trang của nhà cung cấp thử nghiệm. Chọn kết quả bạn muốn thử:',
    amount: 'Số tiền',
    reference: 'Mã giao dịch',
    description: 'Nội dung',
    outcome: 'Kết quả',
    succeeded: 'Thanh toán thành công',
    failed: 'Thanh toán thất bại',
    cancelled: 'Huỷ thanh toán',
    succeeded_late_notification: 'Thành công, thông báo đến muộn',
    invalid: 'Yêu cầu không hợp lệ (sai chữ ký).',
    invalidNext: 'Quay lại trang thanh toán và chọn thanh toán lại.',
  },
  en: {
    title: 'Sandbox payment provider',
    banner: 'TEST — no real money moves.',
    intro: 'This is the test provider’s page. Choose the outcome to try:',
    amount: 'Amount',
    reference: 'Transaction reference',
    description: 'For',
    outcome: 'Outcome',
    succeeded: 'Payment succeeds',
    failed: 'Payment fails',
    cancelled: 'Cancel the payment',
    succeeded_late_notification: 'Succeeds, notification delayed',
    invalid: 'Invalid request (bad signature).',
    invalidNext: 'Go back to the payment page and choose to pay again.',
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

function SandboxPage({ lang, children }: { lang: 'vi' | 'en'; children: ComponentChildren }) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{TEXT[lang].title}</title>
        <link rel="stylesheet" href="/assets/checkout.css" />
      </head>
      <body>
        <p class="test-banner">{TEXT[lang].banner}</p>
        <div class="wrap">
          <main id="main" class="sandbox">
            {children}
          </main>
        </div>
      </body>
    </html>
  );
}

function invalidPage(lang: 'vi' | 'en'): string {
  const t = TEXT[lang];
  return renderPage(
    <SandboxPage lang={lang}>
      <h1>{t.title}</h1>
      <p class="alert" role="alert">
        {t.invalid}
      </p>
      <p>{t.invalidNext}</p>
    </SandboxPage>,
  );
}

function payPage(lang: 'vi' | 'en', fields: Record<string, string>): string {
  const t = TEXT[lang];
  const amount = `${BigInt(fields.amount as string).toLocaleString('de-DE')} ₫`;
  return renderPage(
    <SandboxPage lang={lang}>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      <dl>
        <dt>{t.amount}</dt>
        <dd class="amount">{amount}</dd>
        <dt>{t.reference}</dt>
        <dd>{fields.attempt_id}</dd>
        <dt>{t.description}</dt>
        <dd>{fields.description}</dd>
      </dl>
      <form method="post" action="/sandbox/pay">
        {SIGNED.map((k) => (
          <input type="hidden" name={k} value={fields[k]} key={k} />
        ))}
        <fieldset>
          <legend>{t.outcome}</legend>
          <div class="outcomes">
            {SANDBOX_OUTCOMES.map((o) => (
              <button type="submit" name="outcome" value={o} key={o}>
                {t[o]}
              </button>
            ))}
          </div>
        </fieldset>
      </form>
    </SandboxPage>,
  );
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
    if (!(await check(fields))) {
      res.status(400).type('html').send(invalidPage(lang));
      return;
    }
    res.type('html').send(payPage(lang, fields));
  });

  router.post('/sandbox/pay', async (req, res) => {
    const fields = signedFields(req.body ?? {});
    const outcome = req.body?.outcome as SandboxOutcome;
    const ctx = await check(fields);
    if (!ctx || !SANDBOX_OUTCOMES.includes(outcome)) {
      res
        .status(400)
        .type('html')
        .send(invalidPage(fields.language === 'en' ? 'en' : 'vi'));
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
