import type { FieldProblem } from '../catalog/model.ts';
import { SelectField } from './layout.tsx';
import type { LinkWords } from './links-text.ts';

/** A service's field name (`name.vi`, `budget.chapter_code`, `payer.name`) as the form's field. */
const FORM_FIELD: Record<string, string> = {
  'name.vi': 'name_vi',
  'name.en': 'name_en',
  'payer.name': 'payer_name',
  'payer.email': 'contact',
  'payer.phone': 'contact',
  expires_at: 'expires_on',
};

export function formField(field: string): string {
  return FORM_FIELD[field] ?? field.replace(/^budget\./, '');
}

/** The service's refusals as the console's field errors, in the page's language. */
export function fieldErrors(t: LinkWords, problems: FieldProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of problems) {
    const field = formField(p.field);
    errors[field] ??= t.problems[p.code] ?? p.message;
  }
  return errors;
}

/** A form's string fields (repeated or missing ones are blank). */
export function formOf(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>))
    if (typeof value === 'string') out[key] = value;
  return out;
}

/** The layout's select, for options written as [value, label] pairs. */
export function Select(props: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  options: [string, string][];
}) {
  return <SelectField {...props} options={props.options.map(([value, label]) => ({ value, label }))} />;
}
