import type { FieldProblem } from '../catalog/model.ts';
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

/** A select with its label and error, keeping the choice. */
export function Select(props: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  options: [string, string][];
}) {
  const id = `f-${props.name}`;
  return (
    <div class={props.error ? 'field field-error' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.error && (
        <p class="error-message" id={`${id}-error`}>
          {props.error}
        </p>
      )}
      <select
        id={id}
        name={props.name}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
