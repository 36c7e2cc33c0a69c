/** `/console/bank-credits`: VietQR credits that paid nothing — assign to a payment, refund by hand, or write off. */
import type { Response } from 'express';
import { Router } from 'express';
import { type CreditAction, closeBankCredit, previewCreditAction } from '../admin/bank-credit-outcomes.ts';
import {
  assignBankCredit,
  type BankCreditJson,
  bankCreditFor,
  bankCreditJson,
  listBankCredits,
} from '../admin/bank-credits.ts';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime, type Lang, WORDS, words } from './i18n.ts';
import {
  ConsolePage,
  CsrfField,
  ErrorSummary,
  Field,
  type FieldErrors,
  Pager,
  TableWrap,
} from './layout.tsx';
import {
  Amount,
  asPage,
  field,
  LedgerPreview,
  NoteField,
  noteError,
  type PreviewLines,
  refusalOf,
} from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { writer } from './session.ts';

const text = words({
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

const ACTIONS: readonly CreditAction[] = ['assign', 'refund', 'write_off'];
interface Input {
  action: string;
  payment: string;
  bank_reference: string;
  note: string;
}

function check(lang: Lang, input: Input): FieldErrors {
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

function CreditPage(props: {
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

export function bankCreditRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const { db } = deps;
  const blank: Input = { action: '', payment: '', bank_reference: '', note: '' };

  router.get('/bank-credits', async (req, res) => {
    const view = viewOf(res);
    const t = text(view.lang);
    const o = opsWords(view.lang);
    const q = queryOf(req);
    const page = await listBankCredits(db, staffOfView(res), { limit: 25, starting_after: q.after });
    const next = page.hasMore ? href('/console/bank-credits', { after: page.data.at(-1)?.id }) : null;
    sendPage(
      res,
      <ConsolePage view={view} title={WORDS[view.lang].pages.bankCredits} nav="bankCredits">
        <TableWrap label={t.credits}>
          <table>
            <caption>{t.credits}</caption>
            <thead>
              <tr>
                <th scope="col">{t.reference}</th>
                <th scope="col">{o.agency}</th>
                <th scope="col" class="num">
                  {o.amount}
                </th>
                <th scope="col">{t.memo}</th>
                <th scope="col">{o.status}</th>
                <th scope="col">{t.booked}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`/console/bank-credits/${c.id}`}>{c.bank_reference}</a>
                  </td>
                  <td>{c.agency}</td>
                  <td class="num">
                    <Amount value={c.amount} />
                  </td>
                  <td>{c.memo}</td>
                  <td>{t.statuses[c.status] ?? c.status}</td>
                  <td>{formatDateTime(view.lang, c.booked_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
        {page.data.length === 0 && <p>{WORDS[view.lang].none}</p>}
        <Pager nextHref={next} />
      </ConsolePage>,
    );
  });

  router.get('/bank-credits/:id', async (req, res) => {
    const credit = await bankCreditFor(db, staffOfView(res), req.params.id as string).catch(asPage);
    sendPage(res, <CreditPage res={res} credit={bankCreditJson(credit)} input={blank} errors={{}} />);
  });

  router.post('/bank-credits/:id', writer, async (req, res) => {
    const staff = staffOfView(res);
    const id = req.params.id as string;
    const credit = bankCreditJson(await bankCreditFor(db, staff, id).catch(asPage));
    const input: Input = {
      action: field(req.body, 'action'),
      payment: field(req.body, 'payment').trim(),
      bank_reference: field(req.body, 'bank_reference').trim(),
      note: field(req.body, 'note'),
    };
    const errors = check(viewOf(res).lang, input);
    if (Object.keys(errors).length > 0)
      return sendPage(res, <CreditPage res={res} credit={credit} input={input} errors={errors} />);
    const action = input.action as CreditAction;
    try {
      if (field(req.body, 'step') !== 'apply') {
        const preview = await previewCreditAction(db, staff, { id, action, payment: input.payment });
        return sendPage(
          res,
          <CreditPage res={res} credit={credit} input={input} errors={{}} preview={preview.entries} />,
        );
      }
      if (action === 'assign')
        await assignBankCredit({ db, attempts: deps.services.attempts }, staff, {
          id,
          payment: input.payment,
          note: input.note,
          ip: req.ip,
        });
      else
        await closeBankCredit(db, staff, {
          id,
          action,
          note: input.note,
          bankReference: input.bank_reference,
          ip: req.ip,
        });
    } catch (error) {
      const refusal = refusalOf(error);
      const t = text(viewOf(res).lang);
      if (refusal.fields.payment) refusal.fields.payment = t.paymentUnknown;
      if (refusal.code === 'amount_mismatch') refusal.fields.payment = t.amountDiffers;
      const named = Object.keys(refusal.fields).length > 0;
      return sendPage(
        res,
        <CreditPage
          res={res}
          credit={credit}
          input={input}
          errors={refusal.fields}
          refusal={named ? undefined : refusal.detail}
        />,
      );
    }
    res.redirect(303, `/console/bank-credits/${id}?done=1`);
  });

  return router;
}
