import type { ComponentChildren } from 'preact';
import type { CatalogItemRow, FieldProblem } from '../catalog/model.ts';
import { formatVnd } from '../money.ts';
import { renderPage } from '../views/render.ts';
import type { OpenLink } from './citizen.ts';
import { type Lang, WORDS, type Words } from './words.ts';

/** A path in the other language (vi is the default and carries no parameter). */
export function inLang(lang: Lang, path: string): string {
  if (lang === 'vi') return path;
  return `${path}${path.includes('?') ? '&' : '?'}lang=en`;
}

export function PublicPage(props: {
  lang: Lang;
  title: string;
  switchTo: string;
  wide?: boolean;
  children: ComponentChildren;
}) {
  const w = WORDS[props.lang];
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} — ${w.portal}`}</title>
        <link rel="stylesheet" href="/assets/checkout.css" />
        <link rel="stylesheet" href="/links/assets/links.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          {w.skip}
        </a>
        <header>
          <span>{w.portal}</span>
          <a href={props.switchTo} lang={props.lang === 'vi' ? 'en' : 'vi'}>
            {w.switchLang}
          </a>
        </header>
        <main id="main" class={props.wide ? 'wide' : undefined}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export const amountText = (w: Words, item: CatalogItemRow) =>
  item.amount !== null
    ? formatVnd(item.amount)
    : w.amountRange(formatVnd(item.amount_min!), formatVnd(item.amount_max!));

/** The words for a refused field (the page's language), by its code. */
const messageOf = (w: Words, p: FieldProblem) => w.problems[p.code] ?? p.message;

function ErrorSummary(props: { w: Words; problems: FieldProblem[] }) {
  if (!props.problems.length) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex={-1}>
      <h2 id="error-summary-title">{props.w.errorSummary}</h2>
      <ul>
        {props.problems.map((p) => (
          <li key={p.field}>
            <a href={`#${p.field}`}>{messageOf(props.w, p)}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Field(props: {
  w: Words;
  name: string;
  label: string;
  hint?: string;
  value?: string;
  problems: FieldProblem[];
  inputMode?: 'numeric';
  autocomplete?: string;
}) {
  const problem = props.problems.find((p) => p.field === props.name);
  const described = [props.hint ? `${props.name}-hint` : '', problem ? `${props.name}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={problem ? 'field-error' : undefined}>
      <label for={props.name}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      )}
      {problem && (
        <p class="error-message" id={`${props.name}-error`}>
          {messageOf(props.w, problem)}
        </p>
      )}
      <input
        type="text"
        id={props.name}
        name={props.name}
        value={props.value ?? ''}
        inputMode={props.inputMode}
        autocomplete={props.autocomplete}
        aria-describedby={described || undefined}
        aria-invalid={problem ? 'true' : undefined}
        required
      />
    </div>
  );
}

/** `/l/:token`: what is paid and to whom, and a form for what the link leaves open. */
export function linkPage(
  lang: Lang,
  token: string,
  opened: OpenLink,
  typed: { reference?: string; name?: string; amount?: string } = {},
  problems: FieldProblem[] = [],
) {
  const w = WORDS[lang];
  const { link, item } = opened;
  const itemName = lang === 'en' ? (item.name_en ?? item.name_vi) : item.name_vi;
  const path = `/l/${token}`;
  return renderPage(
    <PublicPage
      lang={lang}
      title={problems.length ? `${w.errorSummary}: ${itemName}` : itemName}
      switchTo={inLang(lang === 'vi' ? 'en' : 'vi', path)}
    >
      <ErrorSummary w={w} problems={problems} />
      <h1>{itemName}</h1>
      <dl>
        <dt>{w.payTo}</dt>
        <dd>{opened.agencyName}</dd>
        <dt>{w.procedureCode}</dt>
        <dd>{item.code}</dd>
        <dt>{w.type}</dt>
        <dd>{w.types[item.obligation_type]}</dd>
        {link.reference && (
          <>
            <dt>{w.reference}</dt>
            <dd>{link.reference}</dd>
          </>
        )}
        {link.payer && (
          <>
            <dt>{w.name}</dt>
            <dd>{link.payer.name}</dd>
          </>
        )}
        <dt>{w.amount}</dt>
        <dd class="amount">{link.amount ? formatVnd(link.amount) : amountText(w, item)}</dd>
      </dl>
      <form method="post" action={inLang(lang, path)} novalidate>
        {!link.reference && (
          <Field
            w={w}
            name="reference"
            label={w.reference}
            hint={w.referenceHint}
            value={typed.reference}
            problems={problems}
          />
        )}
        {!link.payer && (
          <Field
            w={w}
            name="name"
            label={w.name}
            value={typed.name}
            problems={problems}
            autocomplete="name"
          />
        )}
        {!link.amount && item.amount === null && (
          <Field
            w={w}
            name="amount"
            label={w.amount}
            hint={`${w.amountHint} ${amountText(w, item)}.`}
            value={typed.amount}
            problems={problems}
            inputMode="numeric"
          />
        )}
        <div class="actions">
          <button type="submit">{w.continue}</button>
        </div>
      </form>
    </PublicPage>,
  );
}

/** A refusal or a closing word, on its own page. */
export function messagePage(lang: Lang, path: string, title: string, message: string) {
  return renderPage(
    <PublicPage lang={lang} title={title} switchTo={inLang(lang === 'vi' ? 'en' : 'vi', path)}>
      <h1>{title}</h1>
      <p>{message}</p>
    </PublicPage>,
  );
}

/** `/pay/:agency_code`: the agency's active items, searchable, each with its public link if it has one. */
export function agencyPage(
  lang: Lang,
  agency: { code: string; name: string },
  search: string,
  items: { item: CatalogItemRow; url: string | null }[],
) {
  const w = WORDS[lang];
  const path = `/pay/${encodeURIComponent(agency.code)}`;
  return renderPage(
    <PublicPage
      lang={lang}
      title={w.agencyTitle(agency.name)}
      switchTo={inLang(
        lang === 'vi' ? 'en' : 'vi',
        search ? `${path}?q=${encodeURIComponent(search)}` : path,
      )}
    >
      <h1>{w.agencyTitle(agency.name)}</h1>
      <form method="get" action={path} class="search">
        <div>
          <label for="q">{w.search}</label>
          <input type="search" id="q" name="q" value={search} />
        </div>
        {lang === 'en' && <input type="hidden" name="lang" value="en" />}
        <button type="submit">{w.searchButton}</button>
      </form>
      {items.length === 0 ? (
        <p>{w.noItems}</p>
      ) : (
        <ul class="items">
          {items.map(({ item, url }) => (
            <li key={item.id}>
              <strong>{lang === 'en' ? (item.name_en ?? item.name_vi) : item.name_vi}</strong>
              <br />
              {w.procedureCode} {item.code} · {w.types[item.obligation_type]} · {amountText(w, item)}
              {url && (
                <>
                  <br />
                  <a class="button" href={inLang(lang, url)}>
                    {w.pay}
                    <span class="skip">{`: ${item.code}`}</span>
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </PublicPage>,
  );
}
