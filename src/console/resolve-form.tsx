/** The resolution form of one or many breaks: edit (action, note, days), then check (ledger preview), then apply. */
import type { Lang } from './i18n.ts';
import { CsrfField, type FieldErrors } from './layout.tsx';
import { LedgerPreview, NoteField, type PreviewLines } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { RESOLUTIONS, type Resolution, reconWords } from './reconciliation-text.ts';

export interface ResolveInput {
  action: string;
  note: string;
  days: string;
}

/** Checks the form in the page's language; the services check again (and decide what is allowed). */
export function checkResolveInput(lang: Lang, input: ResolveInput): FieldErrors {
  const t = reconWords(lang);
  const o = opsWords(lang);
  const errors: FieldErrors = {};
  if (!RESOLUTIONS.includes(input.action as Resolution)) errors.action = t.actionRequired;
  const note = input.note.trim();
  if (!note) errors.note = o.noteRequired;
  else if (note.length > 2000) errors.note = o.noteTooLong;
  if (input.action === 'carry_over' && input.days !== '' && !/^([1-9]|[12][0-9]|30)$/.test(input.days))
    errors.days = t.daysInvalid;
  return errors;
}

export function ResolveFields({
  lang,
  input,
  errors,
}: {
  lang: Lang;
  input: ResolveInput;
  errors: FieldErrors;
}) {
  const t = reconWords(lang);
  return (
    <>
      <fieldset class={errors.action ? 'field field-error' : 'field'} id="f-action">
        <legend>{t.action}</legend>
        {errors.action && <p class="error-message">{errors.action}</p>}
        {RESOLUTIONS.map((a) => (
          <div key={a}>
            <input type="radio" id={`f-action-${a}`} name="action" value={a} checked={input.action === a} />
            <label for={`f-action-${a}`}>{t.resolutions[a]}</label>
          </div>
        ))}
      </fieldset>
      <NoteField lang={lang} value={input.note} error={errors.note} />
      <div class={errors.days ? 'field field-error' : 'field'}>
        <label for="f-days">{t.days}</label>
        {errors.days && (
          <p class="error-message" id="f-days-error">
            {errors.days}
          </p>
        )}
        <input id="f-days" name="days" type="number" min="1" max="30" value={input.days} />
      </div>
    </>
  );
}

/** What will be done, read-only, with its ledger entries and the button that applies it. */
export function ConfirmResolution(props: {
  lang: Lang;
  action: string;
  input: ResolveInput;
  hidden: Record<string, string | string[]>;
  previews: { label: string; entries: PreviewLines[] }[];
}) {
  const t = reconWords(props.lang);
  const o = opsWords(props.lang);
  return (
    <section aria-labelledby="check-title" class="confirm">
      <h2 id="check-title">{o.checkTitle}</h2>
      <dl class="facts">
        <dt>{t.action}</dt>
        <dd>{t.resolutions[props.input.action as Resolution]}</dd>
        <dt>{o.note}</dt>
        <dd>{props.input.note.trim()}</dd>
        {props.input.action === 'carry_over' && props.input.days && (
          <>
            <dt>{t.days}</dt>
            <dd>{props.input.days}</dd>
          </>
        )}
      </dl>
      {props.previews.map((p) => (
        <div key={p.label}>
          <h3>{p.label}</h3>
          <LedgerPreview lang={props.lang} entries={p.entries} />
        </div>
      ))}
      <form method="post" action={props.action}>
        <CsrfField />
        {Object.entries({ ...props.hidden, ...props.input }).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => (
            <input type="hidden" name={name} value={v} key={`${name}-${v}`} />
          )),
        )}
        <button type="submit" name="step" value="apply">
          {o.confirm}
        </button>
      </form>
    </section>
  );
}
