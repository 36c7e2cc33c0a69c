/** `/console/refunds`: refunds in scope, manual ones included, with filters and cursor pages. */
import { Router } from 'express';
import { listRefunds } from '../admin/refunds.ts';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime, WORDS, words } from './i18n.ts';
import { ConsolePage, Pager, SelectField, TableWrap } from './layout.tsx';
import { Amount, PROVIDER_NAMES } from './ops.tsx';
import { opsWords } from './ops-text.ts';

const text = words({
  vi: {
    refund: 'Hoàn tiền',
    payment: 'Thanh toán',
    kind: 'Loại',
    kinds: {
      requested: 'Theo yêu cầu',
      double_payment: 'Thanh toán trùng',
      reconciliation: 'Từ đối soát',
    } as Record<string, string>,
    statuses: { pending: 'Đang xử lý', succeeded: 'Thành công', failed: 'Thất bại' } as Record<
      string,
      string
    >,
    manual: 'Hoàn thủ công',
    manualOnly: 'Chỉ hoàn thủ công',
    yes: 'Có',
    reason: 'Lý do',
  },
  en: {
    refund: 'Refund',
    payment: 'Payment',
    kind: 'Kind',
    kinds: {
      requested: 'Requested',
      double_payment: 'Double payment',
      reconciliation: 'From reconciliation',
    },
    statuses: { pending: 'Pending', succeeded: 'Succeeded', failed: 'Failed' },
    manual: 'Manual',
    manualOnly: 'Manual refunds only',
    yes: 'Yes',
    reason: 'Reason',
  },
});

const STATUSES = ['pending', 'succeeded', 'failed'];
const KINDS = ['requested', 'double_payment', 'reconciliation'];

export function refundRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/refunds', async (req, res) => {
    const view = viewOf(res);
    const { lang } = view;
    const t = text(lang);
    const o = opsWords(lang);
    const q = queryOf(req);
    const filter = {
      status: STATUSES.includes(q.status ?? '') ? q.status : undefined,
      kind: KINDS.includes(q.kind ?? '') ? q.kind : undefined,
      provider: PROVIDER_NAMES.includes(q.provider ?? '') ? q.provider : undefined,
      manual: q.manual === '1',
      mode: q.mode === 'test' || q.mode === 'live' ? (q.mode as 'test' | 'live') : undefined,
    };
    const page = await listRefunds(deps.db, staffOfView(res), {
      ...filter,
      limit: 25,
      startingAfter: q.after,
    });
    const keep = { ...filter, manual: filter.manual ? '1' : undefined };
    const next = page.hasMore ? href('/console/refunds', { ...keep, after: page.data.at(-1)?.id }) : null;
    const select = (name: string, values: string[], label: string, names: Record<string, string>) => (
      <SelectField
        name={name}
        label={label}
        value={q[name]}
        options={[{ value: '', label: o.any }, ...values.map((v) => ({ value: v, label: names[v] ?? v }))]}
      />
    );
    sendPage(
      res,
      <ConsolePage
        view={view}
        title={WORDS[lang].pages.refunds}
        nav="refunds"
        testMode={page.data.some((r) => !r.livemode)}
      >
        <form method="get" action="/console/refunds" class="filters">
          {select('status', STATUSES, o.status, t.statuses)}
          {select('kind', KINDS, t.kind, t.kinds)}
          {select('provider', PROVIDER_NAMES, o.provider, {})}
          {select('mode', ['live', 'test'], o.mode, o.modes)}
          <div class="field">
            <input type="checkbox" id="f-manual" name="manual" value="1" checked={filter.manual} />
            <label for="f-manual">{t.manualOnly}</label>
          </div>
          <button type="submit" class="secondary">
            {o.apply}
          </button>
        </form>
        <TableWrap label={WORDS[lang].pages.refunds}>
          <table>
            <caption class="visually-hidden">{WORDS[lang].pages.refunds}</caption>
            <thead>
              <tr>
                <th scope="col">{t.refund}</th>
                <th scope="col">{t.payment}</th>
                <th scope="col">{o.agency}</th>
                <th scope="col">{o.provider}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{o.status}</th>
                <th scope="col">{t.manual}</th>
                <th scope="col" class="num">
                  {o.amount}
                </th>
                <th scope="col">{o.created}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((r) => (
                <tr key={r.id}>
                  <td>{r.id}</td>
                  <td>
                    <a href={`/console/payments/${r.payment}`}>{r.payment}</a>
                  </td>
                  <td>{r.agency}</td>
                  <td>{r.provider}</td>
                  <td>{t.kinds[r.kind] ?? r.kind}</td>
                  <td>{t.statuses[r.status] ?? r.status}</td>
                  <td>{r.manual ? t.yes : ''}</td>
                  <td class="num">
                    <Amount value={r.amount} />
                  </td>
                  <td>{formatDateTime(lang, r.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
        {page.data.length === 0 && <p>{WORDS[lang].none}</p>}
        <Pager nextHref={next} />
      </ConsolePage>,
    );
  });
  return router;
}
