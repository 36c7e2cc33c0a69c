import { Router } from 'express';
import type { Principal } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import { DomainError } from '../errors.ts';
import { eventsAbout } from '../events/service.ts';
import { entriesOfPayment } from '../ledger/service.ts';
import { formatVnd } from '../money.ts';
import { attemptsOfPayment, paymentInScope } from '../payments/records.ts';
import { receiptRefs } from '../receipts/service.ts';
import { refundsOfPayment } from '../refunds/service.ts';
import { deliveriesOfEvents } from '../webhooks/service.ts';
import { type ConsoleDeps, queryOf, staffOfView, viewOf } from './context.ts';
import { notFound, sendPage } from './errors.tsx';
import { formatDateTime, type Lang } from './i18n.ts';
import { ConsolePage, PostForm, TableWrap } from './layout.tsx';
import { type PaymentsText, paymentsText } from './payments-text.ts';
import { writer } from './session.ts';

const ID = /^pay_[0-9A-Z]{26}$/;

/** Everything the timeline shows, or undefined when the payment is not in the staff member's scope. */
async function timelineOf(deps: ConsoleDeps, scope: string[] | null, id: string) {
  if (!ID.test(id)) return undefined;
  const payment = await paymentInScope(deps.db, scope, id);
  if (!payment) return undefined;
  const [attempts, refunds, entries, receipts] = await Promise.all([
    attemptsOfPayment(deps.db, id),
    refundsOfPayment(deps.db, id),
    entriesOfPayment(deps.db, id),
    receiptRefs(deps.db, [id], deps.publicUrl),
  ]);
  const events = await eventsAbout(deps.db, [id, ...refunds.rows.map((r) => r.id)]);
  const deliveries = await deliveriesOfEvents(
    deps.db,
    events.map((e) => e.id),
  );
  return {
    payment,
    attempts,
    refunds: refunds.rows,
    entries: entries.rows,
    receipt: receipts.get(id),
    events,
    deliveries,
  };
}

type Timeline = NonNullable<Awaited<ReturnType<typeof timelineOf>>>;

function Table(props: {
  caption: string;
  head: string[];
  rows: (string | preact.ComponentChild)[][];
  empty: string;
}) {
  if (props.rows.length === 0) return <p>{props.empty}</p>;
  return (
    <TableWrap label={props.caption}>
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((cells, i) => (
            <tr key={i}>
              {cells.map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Facts({ tl, t, lang }: { tl: Timeline; t: PaymentsText; lang: Lang }) {
  const p = tl.payment;
  const facts: [string, string][] = [
    [t.id, p.id],
    [t.reference, p.reference],
    [t.status, t.statuses[p.status] ?? p.status],
    [t.amount, formatVnd(p.amount)],
    [t.refunded, formatVnd(p.amount_refunded)],
    [t.agency, `${p.agency_code} — ${p.agency_name}`],
    [t.payerName, p.payer?.name ?? '—'],
    [t.obligation, p.obligation.type],
    [t.description, p.description],
    [t.created, formatDateTime(lang, p.created_at)],
    [t.paidAt, formatDateTime(lang, p.paid_at ?? null)],
    [t.expires, formatDateTime(lang, p.expires_at)],
  ];
  return (
    <dl class="facts">{facts.map(([k, v]) => [<dt key={`t-${k}`}>{k}</dt>, <dd key={`d-${k}`}>{v}</dd>])}</dl>
  );
}

function TimelinePage({
  tl,
  t,
  lang,
  notice,
}: {
  tl: Timeline;
  t: PaymentsText;
  lang: Lang;
  notice?: string;
}) {
  const at = (d: Date | null | undefined) => formatDateTime(lang, d ?? null);
  const p = tl.payment;
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <h2>{t.facts}</h2>
      <Facts tl={tl} t={t} lang={lang} />
      <h2>{t.attempts}</h2>
      <Table
        caption={t.attempts}
        head={[t.attempt, t.provider, t.status, t.amount, t.created, t.completed, t.failure]}
        rows={tl.attempts.map((a) => [
          a.id,
          a.provider,
          a.status,
          formatVnd(a.amount),
          at(a.created_at),
          at(a.completed_at),
          a.failure ? `${a.failure.code}: ${a.failure.message}` : '—',
        ])}
        empty="—"
      />
      <h2>{t.events}</h2>
      <Table
        caption={t.events}
        head={[t.event, t.type, t.at]}
        rows={tl.events.map((e) => [e.id, e.type, at(e.created_at)])}
        empty="—"
      />
      <h2>{t.deliveries}</h2>
      <Table
        caption={t.deliveries}
        head={[t.event, t.endpoint, t.status, t.tries, t.lastAnswer, t.replay]}
        rows={tl.deliveries.map((d) => [
          d.event_id,
          d.url,
          d.status,
          String(d.attempts),
          d.last_status_code ? String(d.last_status_code) : (d.last_error ?? '—'),
          <PostForm key="replay" action={`/console/payments/${p.id}/replay`} class="inline">
            <input type="hidden" name="event" value={d.event_id} />
            <input type="hidden" name="endpoint" value={d.endpoint_id} />
            <button type="submit" class="secondary" aria-label={`${t.replay} ${d.event_id} → ${d.url}`}>
              {t.replay}
            </button>
          </PostForm>,
        ])}
        empty="—"
      />
      <h2>{t.ledger}</h2>
      <Table
        caption={t.ledger}
        head={[t.entry, t.type, t.at, t.account, t.amount]}
        rows={tl.entries.flatMap((e) =>
          e.lines.map((l) => [e.id, e.kind, at(e.posted_at), l.account, formatVnd(l.amount)]),
        )}
        empty="—"
      />
      <h2>{t.refunds}</h2>
      <Table
        caption={t.refunds}
        head={[t.id, t.amount, t.status, t.reason, t.created]}
        rows={tl.refunds.map((r) => [r.id, formatVnd(r.amount), r.status, r.reason, at(r.created_at)])}
        empty="—"
      />
      <h2>{t.receipt}</h2>
      {tl.receipt ? (
        <p>
          {t.number}: {tl.receipt.form} · {tl.receipt.series} · {tl.receipt.number} —{' '}
          <a href={tl.receipt.verify_url}>{t.receiptCheck}</a>
        </p>
      ) : (
        <p>{t.receiptNone}</p>
      )}
    </>
  );
}

/** `/console/payments/:id` (the timeline) and its replay button, through the webhooks service the API uses. */
export function paymentTimelineRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/payments/:id', async (req, res) => {
    const view = viewOf(res);
    const tl = await timelineOf(deps, staffOfView(res).scope, req.params.id as string);
    if (!tl) throw notFound();
    const t = paymentsText(view.lang);
    const notice = queryOf(req).replayed ? t.replayed : undefined;
    sendPage(
      res,
      <ConsolePage
        view={view}
        title={`${t.reference} ${tl.payment.reference}`}
        nav="payments"
        testMode={tl.payment.mode === 'test'}
      >
        <TimelinePage tl={tl} t={t} lang={view.lang} notice={notice} />
      </ConsolePage>,
    );
  });

  router.post('/payments/:id/replay', writer, async (req, res) => {
    const staff = staffOfView(res);
    const id = req.params.id as string;
    const payment = ID.test(id) ? await paymentInScope(deps.db, staff.scope, id) : undefined;
    if (!payment) throw notFound();
    const body = req.body as { event?: unknown; endpoint?: unknown };
    const eventId = typeof body.event === 'string' ? body.event : '';
    const endpointId = typeof body.endpoint === 'string' && body.endpoint ? body.endpoint : null;
    const refunds = await refundsOfPayment(deps.db, id);
    const events = await eventsAbout(deps.db, [id, ...refunds.rows.map((r) => r.id)]);
    // Only this payment's own events: the form cannot be pointed at another payment's.
    if (!events.some((e) => e.id === eventId)) throw notFound();
    // The payment's agency and mode stand in for an API key's: the same checks, the same replay.
    const principal: Principal = {
      keyId: staff.id,
      mode: payment.mode,
      agencyId: payment.agency_id,
      agencyCode: payment.agency_code,
      agencyName: payment.agency_name,
      returnOrigins: [],
    };
    await deps.services.webhooks.redeliver(principal, eventId, endpointId).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'resource_missing') throw notFound();
      throw error;
    });
    await audit(deps.db, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'POST /v1/events/:id/redeliver',
      objectId: eventId,
      agencyId: payment.agency_id,
      mode: payment.mode,
      ip: req.ip ?? null,
      details: { status: 200, payment: id, endpoint: endpointId, via: 'console' },
    });
    res.redirect(303, `/console/payments/${id}?replayed=1`);
  });
  return router;
}
