/** The page of one bank credit: its facts, the form (assign, refund by hand, write off), the check step. */
import type { Response } from 'express';
import type { CreditAction } from '../admin/bank-credit-outcomes.ts';
import type { BankCreditJson } from '../admin/bank-credits.ts';
import { queryOf, staffOfView, viewOf } from './context.ts';
import { formatDateTime, type Lang, words } from './i18n.ts';
import { ConsolePage, CsrfField, ErrorSummary, Field, type FieldErrors } from './layout.tsx';
import { Amount, LedgerPreview, NoteField, noteError, type PreviewLines } from './ops.tsx';
import { opsWords } from './ops-text.ts';

export const text = words({
  vi: {
    credits: 'Khoản chuyển khoản chưa thanh toán được',
    memo: 'Nội dung chuyển khoản',
    payer: 'Người chuyển',
    booked: 'Ghi có lúc',
    reference: 'Số tham chiếu ngân hàng',
    detail: 'Lý do',
    statuses: {
      unmatched: 'Không khớp',
      amount_mismatch: 'Lệch số tiền',
      late: 'Quá hạn',
      duplicate: 'Trùng',
      matched: 'Đã gán',
      refunded: 'Đã hoàn tay',
      written_off: 'Đã ghi giảm',
    } as Record<string, string>,
    act: 'Xử lý',
    action: 'Cách xử lý',
    actions: {
      assign: 'Gán cho một khoản thanh toán',
      refund: 'Ghi nhận đã hoàn tiền thủ công',
      write_off: 'Ghi giảm (giữ lại, không thuộc thanh toán nào)',
    },
    actionRequired: 'Chọn cách xử lý.',
    payment: 'Mã thanh toán (pay_…)',
    paymentRequired: 'Nhập mã thanh toán cần gán.',
    outgoing: 'Số tham chiếu của giao dịch hoàn tiền',
    outgoingRequired: 'Nhập số tham chiếu của giao dịch hoàn tiền (1–100 ký tự).',
    notPossible: 'Không thể thực hiện',
    paymentUnknown: 'Không có khoản thanh toán này trong phạm vi của đơn vị.',
    amountDiffers: 'Số tiền của khoản thanh toán khác số tiền đã chuyển.',
  },
  en: {
    credits: 'Bank transfers that paid nothing',
    memo: 'Transfer memo',
    payer: 'Payer',
    booked: 'Booked',
    reference: 'Bank reference',
    detail: 'Why',
    statuses: {
      unmatched: 'Unmatched',
      amount_mismatch: 'Amount mismatch',
      late: 'Late',
      duplicate: 'Duplicate',
      matched: 'Assigned',
      refunded: 'Refunded by hand',
      written_off: 'Written off',
    },
    act: 'Settle',
    action: 'What to do',
    actions: {
      assign: 'Assign to a payment',
      refund: 'Record a manual refund',
      write_off: 'Write off (kept, belongs to no payment)',
    },
    actionRequired: 'Choose what to do.',
    payment: 'Payment id (pay_…)',
    paymentRequired: 'Enter the payment to assign it to.',
    outgoing: 'Bank reference of the refund transfer',
    outgoingRequired: 'Enter the refund transfer’s bank reference (1–100 characters).',
    notPossible: 'This cannot be done',
    paymentUnknown: 'There is no such payment of this agency.',
    amountDiffers: 'The payment’s amount differs from the transfer’s.',
  },
});

export const ACTIONS: readonly CreditAction[] = ['assign', 'refund', 'write_off'];
export interface Input {
  action: string;
  payment: string;
  bank_reference: string;
  note: string;
}

export function check(lang: Lang, input: Input): FieldErrors {
  const t = text(lang);
  const errors: FieldErrors = {};
  if (!ACTIONS.includes(input.action as CreditAction)) errors.action = t.actionRequired;
  if (input.action === 'assign' && !/^pay_[0-9A-Za-z]{1,40}$/.test(input.payment.trim()))
    errors.payment = t.paymentRequired;
  if (input.action === 'refund' && !/^.{1,100}$/.test(input.bank_reference.trim()))
    errors.bank_reference = t.outgoingRequired;
  const note = noteError(lang, input.note);
  if (note) errors.note = note;
  return errors;
}

export function CreditPage(props: {
  res: Response;
  credit: BankCreditJson;
  input: Input;
  errors: FieldErrors;
  refusal?: string;
  preview?: PreviewLines[];
}) {
  const view = viewOf(props.res);
  const { lang } = view;
  const t = text(lang);
  const o = opsWords(lang);
  const c = props.credit;
  const path = `/console/bank-credits/${c.id}`;
  const open = ['unmatched', 'amount_mismatch', 'late'].includes(c.status);
  return (
    <ConsolePage view={view} title={`${t.reference} ${c.bank_reference}`} nav="bankCredits">
      {queryOf(props.res.req).done === '1' && (
        <p class="notice" role="status">
          {o.done}
        </p>
      )}
      <dl class="facts">
        <dt>{o.amount}</dt>
        <dd>
          <Amount value={c.amount} />
        </dd>
        <dt>{o.status}</dt>
        <dd>{t.statuses[c.status] ?? c.status}</dd>
        <dt>{o.agency}</dt>
        <dd>{c.agency}</dd>
        <dt>{t.memo}</dt>
        <dd>{c.memo}</dd>
        <dt>{t.payer}</dt>
        <dd>{c.payer_name ?? '—'}</dd>
        <dt>{t.booked}</dt>
        <dd>{formatDateTime(lang, c.booked_at)}</dd>
        <dt>{t.detail}</dt>
        <dd>{c.detail ?? '—'}</dd>
      </dl>
      {props.refusal && (
        <div class="error-summary" role="alert">
          <h2>{t.notPossible}</h2>
          <p>{props.refusal}</p>
        </div>
      )}
      {props.preview ? (
        <section aria-labelledby="check-title">
          <h2 id="check-title">{o.checkTitle}</h2>
          <dl class="facts">
            <dt>{t.action}</dt>
            <dd>{t.actions[props.input.action as CreditAction]}</dd>
            {props.input.action === 'assign' && (
              <>
                <dt>{t.payment}</dt>
                <dd>{props.input.payment}</dd>
              </>
            )}
            {props.input.action === 'refund' && (
              <>
                <dt>{t.outgoing}</dt>
                <dd>{props.input.bank_reference}</dd>
              </>
            )}
            <dt>{o.note}</dt>
            <dd>{props.input.note}</dd>
          </dl>
          <LedgerPreview lang={lang} entries={props.preview} />
          <form method="post" action={path}>
            <CsrfField />
            {Object.entries(props.input).map(([k, v]) => (
              <input type="hidden" name={k} value={v} key={k} />
            ))}
            <button type="submit" name="step" value="apply">
              {o.confirm}
            </button>
          </form>
        </section>
      ) : (
        open &&
        staffOfView(props.res).role !== 'auditor' && (
          <section aria-labelledby="act-title">
            <h2 id="act-title">{t.act}</h2>
            <ErrorSummary errors={props.errors} />
            <form method="post" action={path} novalidate>
              <CsrfField />
              <fieldset class={props.errors.action ? 'field field-error' : 'field'} id="f-action">
                <legend>{t.action}</legend>
                {props.errors.action && <p class="error-message">{props.errors.action}</p>}
                {ACTIONS.map((a) => (
                  <div key={a}>
                    <input
                      type="radio"
                      id={`f-action-${a}`}
                      name="action"
                      value={a}
                      checked={props.input.action === a}
                    />
                    <label for={`f-action-${a}`}>{t.actions[a]}</label>
                  </div>
                ))}
              </fieldset>
              <Field
                name="payment"
                label={t.payment}
                value={props.input.payment}
                error={props.errors.payment}
              />
              <Field
                name="bank_reference"
                label={t.outgoing}
                value={props.input.bank_reference}
                error={props.errors.bank_reference}
              />
              <NoteField lang={lang} value={props.input.note} error={props.errors.note} />
              <button type="submit" name="step" value="check">
                {o.continue}
              </button>
            </form>
          </section>
        )
      )}
    </ConsolePage>
  );
}
