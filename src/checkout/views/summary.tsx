import { formatVnd } from '../../money.ts';
import type { PaymentRow } from '../../payments/model.ts';
import { LATE_RATE_PER_DAY } from '../../payments/penalty.ts';
import { type Lang, TEXT } from '../i18n.ts';

/** What is paid and to whom; the amount row says "to pay" only while something is to pay. */
export function Summary(p: {
  lang: Lang;
  payment: PaymentRow;
  agencyName: string;
  amountLabel: 'total' | 'amount' | 'amountPaid';
}) {
  const t = TEXT[p.lang];
  const pay = p.payment;
  const fine = pay.obligation.fine as { decision_no?: string } | undefined;
  const rateKind = pay.obligation.fine ? 'fine' : pay.obligation.tax ? 'tax' : null;
  const ratePercent = rateKind
    ? (Number(LATE_RATE_PER_DAY[rateKind]) * 100).toString().replace('.', p.lang === 'vi' ? ',' : '.')
    : '';
  return (
    <>
      <dl class="summary">
        <dt>{t.payTo}</dt>
        <dd>{p.agencyName}</dd>
        <dt>{t.description}</dt>
        <dd>{pay.description}</dd>
        <dt>{t.obligation}</dt>
        <dd>{t.types[pay.obligation.type] ?? pay.obligation.type}</dd>
        {fine?.decision_no ? (
          <>
            <dt>{t.fineDecision}</dt>
            <dd>{fine.decision_no}</dd>
          </>
        ) : null}
        <dt>{t.reference}</dt>
        <dd>{pay.reference}</dd>
        {pay.payer?.name ? (
          <>
            <dt>{t.payer}</dt>
            <dd>{pay.payer.name}</dd>
          </>
        ) : null}
      </dl>
      <table class="amounts">
        <tbody>
          {pay.late_penalty !== '0' ? (
            <>
              <tr>
                <th scope="row">{t.principal}</th>
                <td class="money">{formatVnd(pay.principal)}</td>
              </tr>
              <tr>
                <th scope="row">{t.latePenalty(pay.late_days, ratePercent)}</th>
                <td class="money">{formatVnd(pay.late_penalty)}</td>
              </tr>
            </>
          ) : null}
          <tr class="total">
            <th scope="row">{t[p.amountLabel]}</th>
            <td class="money" data-amount={pay.amount}>
              {formatVnd(pay.amount)}
            </td>
          </tr>
        </tbody>
      </table>
    </>
  );
}
