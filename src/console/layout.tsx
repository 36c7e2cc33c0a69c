import { type ComponentChildren, createContext, type JSX } from 'preact';
import { useContext } from 'preact/hooks';
import { type ConsoleView, langSwitchHref } from './context.ts';
import { type ConsoleWords, WORDS } from './i18n.ts';
import { type NavKey, navFor } from './nav.ts';

const ViewContext = createContext<ConsoleView | null>(null);

function useView(): ConsoleView {
  const view = useContext(ViewContext);
  if (!view) throw new Error('console component outside ConsolePage');
  return view;
}

/** The shared words in the page's language, for components inside ConsolePage. */
export function useWords(): ConsoleWords {
  return WORDS[useView().lang];
}

/** The hidden `_csrf` field every console POST form carries. */
export function CsrfField() {
  return <input type="hidden" name="_csrf" value={useView().csrf} />;
}

/** A POST form with its CSRF field. */
export function PostForm(props: { action: string; class?: string; children: ComponentChildren }) {
  return (
    <form method="post" action={props.action} class={props.class}>
      <CsrfField />
      {props.children}
    </form>
  );
}

export interface PageProps {
  view: ConsoleView;
  title: string;
  /** The navigation item this page belongs to (highlighted, aria-current). */
  nav?: NavKey;
  /** The page shows test-mode data: the TEST MODE banner is shown. */
  testMode?: boolean;
  children: ComponentChildren;
}

function Header({ view, t }: { view: ConsoleView; t: ConsoleWords }) {
  const staff = view.staff;
  const other = view.lang === 'vi' ? 'en' : 'vi';
  return (
    <header class="console-header">
      <a class="brand" href="/console">
        PayHub · {t.console}
      </a>
      {staff && (
        <div class="who">
          <span class="visually-hidden">{t.signedInAs}: </span>
          <span class="email">{staff.email}</span>
          <span>
            {t.role}: {t.roles[staff.role]}
          </span>
          <span>
            {t.scope}: {staff.agencyCode ?? t.wholeHub}
          </span>
          <form method="post" action="/console/logout" class="inline">
            <CsrfField />
            <button type="submit" class="link-button">
              {t.signOut}
            </button>
          </form>
        </div>
      )}
      <a class="lang" href={langSwitchHref(view.path, other)} lang={other} hreflang={other}>
        {t.otherLang}
      </a>
    </header>
  );
}

function Nav({ view, t, current }: { view: ConsoleView; t: ConsoleWords; current?: NavKey }) {
  if (!view.staff) return null;
  return (
    <nav aria-label={t.nav} class="console-nav">
      <ul>
        {navFor(view.staff.role).map((item) => (
          <li key={item.key}>
            <a href={item.path} aria-current={item.key === current ? 'page' : undefined}>
              {t.pages[item.key]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Every console page: skip link, header (who, role, scope), navigation, TEST MODE banner, footer. */
export function ConsolePage(props: PageProps) {
  const { view } = props;
  const t = WORDS[view.lang];
  return (
    <html lang={view.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${t.console} · PayHub`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
      </head>
      <body>
        <ViewContext.Provider value={view}>
          <a class="skip-link" href="#main">
            {t.skip}
          </a>
          <Header view={view} t={t} />
          <Nav view={view} t={t} current={props.nav} />
          {props.testMode && (
            <p class="test-banner" role="note">
              {t.testMode}
            </p>
          )}
          <main id="main" tabIndex={-1}>
            <h1>{props.title}</h1>
            {props.children}
          </main>
          <footer class="console-footer">{t.footer}</footer>
        </ViewContext.Provider>
      </body>
    </html>
  );
}

/** A field's validation error: what it says, keyed by the field's name (its element id is `f-<name>`). */
export type FieldErrors = Record<string, string>;

/** The summary at the top of a form, linking to each field in error (as the GOV.UK Design System does). */
export function ErrorSummary({ errors }: { errors: FieldErrors }) {
  const t = useWords();
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1}>
      <h2 id="error-summary-title">{t.errorSummary}</h2>
      <ul>
        {entries.map(([field, message]) => (
          <li key={field}>
            <a href={`#f-${field}`}>{message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A labelled input that keeps what was typed and shows its error next to it. */
export function Field(props: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  type?: 'text' | 'email' | 'password' | 'search' | 'date' | 'number' | 'tel';
  autocomplete?: string;
  hint?: string;
  required?: boolean;
}) {
  const id = `f-${props.name}`;
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(' ');
  // preact types `type` as a union per input kind; the field takes any of the kinds it lists.
  const input = {
    id,
    name: props.name,
    type: props.type ?? 'text',
    value: props.value ?? '',
    autocomplete: props.autocomplete,
    required: props.required,
    'aria-invalid': props.error ? 'true' : undefined,
    'aria-describedby': described || undefined,
  } as JSX.IntrinsicElements['input'];
  return (
    <div class={props.error ? 'field field-error' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="error-message" id={`${id}-error`}>
          {props.error}
        </p>
      )}
      <input {...input} />
    </div>
  );
}

/** "Next page" by cursor (`?after=<id>`), keeping the list's filters; none on the last page. */
export function Pager(props: { nextHref: string | null; firstHref?: string }) {
  const t = useWords();
  if (!props.nextHref && !props.firstHref) return null;
  return (
    <nav class="pager" aria-label={t.next}>
      {props.firstHref && <a href={props.firstHref}>{t.first}</a>}
      {props.nextHref && (
        <a href={props.nextHref} rel="next">
          {t.next}
        </a>
      )}
    </nav>
  );
}

/** A labelled select that keeps the chosen value and shows its error next to it. */
export function SelectField(props: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  options: { value: string; label: string }[];
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
        {props.options.map((o) => (
          <option key={o.value} value={o.value} selected={o.value === (props.value ?? '')}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A wide table's scrolling box on a phone: focusable and named, so the keyboard can scroll it too. */
export function TableWrap(props: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to scroll by keyboard
    <section class="table-wrap" tabIndex={0} aria-label={props.label}>
      {props.children}
    </section>
  );
}
