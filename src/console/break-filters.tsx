/** The breaks list's filters: provider, day, category, state, amount and age, checked in the page's language. */
import type { BreakQuery } from '../admin/reconciliation.ts';
import { isCalendarDate } from '../dates.ts';
import { CATEGORIES, ITEM_STATUSES } from '../reconciliation/rules.ts';
import type { Lang } from './i18n.ts';
import { ErrorSummary, Field, type FieldErrors, SelectField } from './layout.tsx';
import { PROVIDER_NAMES, ProviderSelect } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { reconWords } from './reconciliation-text.ts';

export type Filter = Record<string, string>;

/** The list's filters from the query, checked; a bad value is shown next to its field and not applied. */
export function filterOf(lang: Lang, q: Filter) {
  const t = reconWords(lang);
  const errors: FieldErrors = {};
  const whole = (name: string, message: string, max = 999_999_999_999) => {
    const v = q[name];
    if (!v) return undefined;
    if (!/^[0-9]{1,13}$/.test(v) || Number(v) > max) {
      errors[name] = message;
      return undefined;
    }
    return v;
  };
  const query: BreakQuery = {
    category: (CATEGORIES as readonly string[]).includes(q.category ?? '') ? q.category : undefined,
    status:
      q.status === 'any'
        ? undefined
        : (ITEM_STATUSES as readonly string[]).includes(q.status ?? '')
          ? q.status
          : 'open',
    provider: PROVIDER_NAMES.includes(q.provider ?? '') ? q.provider : undefined,
    date: q.business_date && isCalendarDate(q.business_date) ? q.business_date : undefined,
    minAmount: whole('min_amount', t.amountInvalid),
    maxAmount: whole('max_amount', t.amountInvalid),
    minAgeDays: whole('min_age', t.ageInvalid, 3650) === undefined ? undefined : Number(q.min_age),
    limit: 50,
    startingAfter: q.after,
  };
  if (q.business_date && !query.date) errors.business_date = t.dateInvalid;
  return { query, errors };
}

export function Filters({
  lang,
  q,
  errors,
  action,
  withRun,
}: {
  lang: Lang;
  q: Filter;
  errors: FieldErrors;
  action: string;
  withRun: boolean;
}) {
  const t = reconWords(lang);
  const o = opsWords(lang);
  return (
    <form method="get" action={action} class="filters">
      <ErrorSummary errors={errors} />
      {!withRun && (
        <>
          <ProviderSelect label={o.provider} any={o.any} value={q.provider} />
          <Field
            name="business_date"
            type="date"
            label={o.day}
            value={q.business_date}
            error={errors.business_date}
          />
        </>
      )}
      <SelectField
        name="category"
        label={t.category}
        value={q.category}
        options={[
          { value: '', label: o.any },
          ...CATEGORIES.map((c) => ({ value: c, label: t.categories[c] })),
        ]}
      />
      <SelectField
        name="status"
        label={t.itemStatus}
        value={q.status ?? 'open'}
        options={[
          ...ITEM_STATUSES.map((st) => ({ value: st, label: t.itemStatuses[st] })),
          { value: 'any', label: o.any },
        ]}
      />
      <Field
        name="min_amount"
        type="number"
        label={t.minAmount}
        value={q.min_amount}
        error={errors.min_amount}
      />
      <Field
        name="max_amount"
        type="number"
        label={t.maxAmount}
        value={q.max_amount}
        error={errors.max_amount}
      />
      <Field name="min_age" type="number" label={t.minAge} value={q.min_age} error={errors.min_age} />
      <button type="submit" class="secondary">
        {o.apply}
      </button>
    </form>
  );
}
