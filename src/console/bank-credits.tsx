/** `/console/bank-credits`: VietQR credits that paid nothing — assign to a payment, refund by hand, or write off. */
import { Router } from 'express';
import { type CreditAction, closeBankCredit, previewCreditAction } from '../admin/bank-credit-outcomes.ts';
import { assignBankCredit, bankCreditFor, bankCreditJson, listBankCredits } from '../admin/bank-credits.ts';
import { CreditPage, check, type Input, text } from './bank-credit-page.tsx';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime, WORDS } from './i18n.ts';
import { ConsolePage, Pager, TableWrap } from './layout.tsx';
import { Amount, asPage, field, refusalOf } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { writer } from './session.ts';

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
      const refusal = refusalOf(viewOf(res).lang, error);
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
