/**
 * Pieces the console's operations pages share: refusals as pages or field errors, amounts, the
 * ledger preview. A form shown again with its errors is a 200 page, as GOV.UK's services do (a
 * browser logs no failed load); only a page that is not theirs (404) or not their role's (403) fails.
 */
import { allAdapters } from '../../adapters/index.ts';
import { DomainError } from '../errors.ts';
import { ApiError, problemOf } from '../http/problem.ts';
import { formatVnd, money } from '../money.ts';
import { forbidden, notFound } from './errors.tsx';
import type { Lang } from './i18n.ts';
import { SelectField, TableWrap } from './layout.tsx';
import { opsWords } from './ops-text.ts';
import { fieldText, refusalText } from './refusal-text.ts';

/** What a refused action shows on its form, in the page's language: errors by field, or a sentence for the summary. */
export interface Refusal {
  code: string;
  detail: string;
  fields: Record<string, string>;
}

/**
 * Another agency's object → 404 page, a role that may not act → 403 page; other refusals go back
 * to the form. A domain refusal's status comes from its code (problemOf, as the API answers it):
 * a missing object named in a field is that field's error, not a missing page.
 */
export function refusalOf(lang: Lang, thrown: unknown): Refusal {
  const error = thrown instanceof DomainError ? problemOf(thrown) : thrown;
  if (!(error instanceof ApiError)) throw thrown;
  const list = error.errors ?? [];
  if (error.status === 404 && list.length === 0) throw notFound();
  if (error.status === 403) throw forbidden();
  return {
    code: error.code,
    detail: refusalText(lang, error.code, error.detail ?? error.message),
    fields: Object.fromEntries(list.map((f) => [f.field, fieldText(lang, f.message)])),
  };
}

/** A note as the services take it, checked here first so its error is in the page's language. */
export function noteError(lang: Lang, note: string | undefined): string | undefined {
  const t = opsWords(lang);
  const trimmed = (note ?? '').trim();
  if (!trimmed) return t.noteRequired;
  if (trimmed.length > 2000) return t.noteTooLong;
  return undefined;
}

export function Amount({ value }: { value: string | number | null | undefined }) {
  if (value === null || value === undefined) return <span>—</span>;
  return <span class="amount">{formatVnd(String(value))}</span>;
}

export interface PreviewLines {
  when: 'now' | 'on_refund';
  lines: { account: string; amount: string }[];
}

/** The journal entries an action will post: each a table of accounts with their debit or credit. */
export function LedgerPreview({
  lang,
  entries,
  caption,
}: {
  lang: Lang;
  entries: PreviewLines[];
  caption?: string;
}) {
  const t = opsWords(lang);
  if (entries.length === 0) return <p class="notice">{t.ledgerNothing}</p>;
  return (
    <section aria-label={caption ?? t.ledgerPreview}>
      {entries.map((entry, n) => (
        <TableWrap label={caption ?? t.ledgerPreview} key={String(n)}>
          <table class="ledger-preview">
            <caption>
              {caption ?? t.ledgerPreview} {entries.length > 1 ? `(${n + 1}/${entries.length})` : ''} —{' '}
              {entry.when === 'now' ? t.now : t.onRefund}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t.account}</th>
                <th scope="col" class="num">
                  {t.debit}
                </th>
                <th scope="col" class="num">
                  {t.credit}
                </th>
              </tr>
            </thead>
            <tbody>
              {entry.lines.map((l) => {
                const value = money(l.amount);
                return (
                  <tr key={l.account}>
                    <td>
                      <code>{l.account}</code>
                    </td>
                    <td class="num">{value.isPositive() ? formatVnd(value) : ''}</td>
                    <td class="num">{value.isNegative() ? formatVnd(value.negated()) : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      ))}
    </section>
  );
}

/** The note field: a textarea that keeps what was typed and shows its error beside it. */
export function NoteField({ lang, value, error }: { lang: Lang; value?: string; error?: string }) {
  const t = opsWords(lang);
  return (
    <div class={error ? 'field field-error' : 'field'}>
      <label for="f-note">{t.note}</label>
      <p class="hint" id="f-note-hint">
        {t.noteHint}
      </p>
      {error && (
        <p class="error-message" id="f-note-error">
          {error}
        </p>
      )}
      <textarea
        id="f-note"
        name="note"
        rows={3}
        maxLength={2000}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? 'f-note-hint f-note-error' : 'f-note-hint'}
      >
        {value ?? ''}
      </textarea>
    </div>
  );
}

/** A form value as a single string (a repeated field gives its first value). */
export const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : '';
  return typeof value === 'string' ? value : '';
};

/** A repeated form value (checkboxes) as a list. */
export const fields = (body: unknown, name: string): string[] => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
};

/** For reads: another agency's object is the 404 page, a forbidden role the 403 page; anything else is an error. */
export function asPage(error: unknown): never {
  refusalOf('en', error);
  throw error;
}

/** Every provider's name: the values a provider filter or form accepts. */
export const PROVIDER_NAMES = allAdapters().map((a) => a.name);

/** A provider picker: `any` (every provider, or none chosen yet) first, then each provider. */
export function ProviderSelect(props: { label: string; any: string; value?: string; error?: string }) {
  return (
    <SelectField
      name="provider"
      label={props.label}
      value={props.value}
      error={props.error}
      options={[{ value: '', label: props.any }, ...PROVIDER_NAMES.map((p) => ({ value: p, label: p }))]}
    />
  );
}
