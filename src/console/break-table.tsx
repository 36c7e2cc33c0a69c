import type { ComponentChildren } from 'preact';
import type { itemJson } from '../admin/view.ts';
import { formatDateTime, type Lang, WORDS } from './i18n.ts';
import { CsrfField, TableWrap } from './layout.tsx';
import { Amount } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { reconWords } from './reconciliation-text.ts';

export type ItemView = ReturnType<typeof itemJson>;

/**
 * Breaks in a table; with `selectable`, each has a checkbox and the table sits in the bulk form
 * whose resolution fields (the children) and Continue button follow it.
 */
export function BreakTable(props: {
  lang: Lang;
  items: ItemView[];
  selectable: boolean;
  checked?: boolean;
  back: string;
  children?: ComponentChildren;
}) {
  const t = reconWords(props.lang);
  const o = opsWords(props.lang);
  if (props.items.length === 0) return <p>{WORDS[props.lang].none}</p>;
  const table = (
    <TableWrap label={t.breaks}>
      <table>
        <caption class="visually-hidden">{t.breaks}</caption>
        <thead>
          <tr>
            {props.selectable && <th scope="col">{t.select}</th>}
            <th scope="col">{t.item}</th>
            <th scope="col">{t.category}</th>
            <th scope="col">{t.itemStatus}</th>
            <th scope="col">{o.provider}</th>
            <th scope="col">{o.day}</th>
            <th scope="col" class="num">
              {t.lineAmount}
            </th>
            <th scope="col" class="num">
              {t.hubAmount}
            </th>
            <th scope="col">{t.reference}</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((i) => (
            <tr key={i.id}>
              {props.selectable && (
                <td>
                  <input
                    type="checkbox"
                    name="item"
                    value={i.id}
                    id={`pick-${i.id}`}
                    checked={props.checked}
                    aria-label={`${t.select} ${i.id}`}
                  />
                </td>
              )}
              <td>
                <a href={`/console/reconciliation/items/${i.id}`}>{i.id}</a>
              </td>
              <td>{t.categories[i.category as keyof typeof t.categories] ?? i.category}</td>
              <td>{t.itemStatuses[i.status as keyof typeof t.itemStatuses] ?? i.status}</td>
              <td>{i.provider}</td>
              <td>{i.business_date}</td>
              <td class="num">
                <Amount value={i.line?.amount} />
              </td>
              <td class="num">
                <Amount value={i.hub?.amount} />
              </td>
              <td>
                {i.line?.provider_transaction_id ?? i.payment ?? '—'}
                {i.line?.occurred_at && (
                  <span class="hint"> {formatDateTime(props.lang, i.line.occurred_at)}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
  if (!props.selectable) return table;
  return (
    <form method="post" action="/console/reconciliation/bulk" id="f-item">
      <CsrfField />
      <input type="hidden" name="back" value={props.back} />
      {table}
      <h3>{t.bulk}</h3>
      {props.children}
      <button type="submit" name="step" value="check">
        {o.continue}
      </button>
    </form>
  );
}
