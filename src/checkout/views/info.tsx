import { renderPage } from '../../views/render.ts';
import { type Lang, TEXT } from '../i18n.ts';
import { Page, type Site, withLang } from './layout.tsx';

const other = (lang: Lang) => (lang === 'vi' ? 'en' : 'vi');
const switchTo = (path: string, lang: Lang) => `${path}?lang=${other(lang)}`;

/** A page that could not show a payment (or a receipt): what happened and what to do next. */
export function messagePage(
  lang: Lang,
  site: Site,
  m: { title: string; text?: string; next?: string; switchTo?: string },
): string {
  const t = TEXT[lang];
  return renderPage(
    <Page lang={lang} title={m.title} site={site} switchTo={m.switchTo}>
      <h1>{m.title}</h1>
      {m.text ? <p class="lead">{m.text}</p> : null}
      {m.next ? <p>{m.next}</p> : null}
      <div class="actions">
        <a class="button" href={withLang('/', lang)}>
          {t.home}
        </a>
      </div>
    </Page>,
  );
}

/** The hub's home page: where the demo's return_url lands, and a door to the API docs. */
export function homePage(lang: Lang, site: Site): string {
  const t = TEXT[lang];
  return renderPage(
    <Page lang={lang} title={t.homeTitle} site={site} switchTo={switchTo('/', lang)}>
      <h1>{t.homeTitle}</h1>
      <p class="lead">{t.homeLead}</p>
      <div class="notice">
        <h2>{t.homeReturned}</h2>
        <p>{t.homeReturnedText}</p>
      </div>
      <h2>{t.homeHow}</h2>
      <ol class="steps">
        {t.homeSteps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
      <h2>{t.homeDevelopers}</h2>
      <ul>
        <li>
          <a href="/docs">{t.apiDocs}</a>
        </li>
        <li>
          <a href="/openapi.yaml">openapi.yaml</a>
        </li>
      </ul>
    </Page>,
  );
}

/** /privacy and /accessibility: the statements every page's footer links to. */
export function statementPage(lang: Lang, site: Site, which: 'privacy' | 'accessibility'): string {
  const t = TEXT[lang];
  const title = which === 'privacy' ? t.privacyTitle : t.accessibilityTitle;
  const body = which === 'privacy' ? t.privacyBody : t.accessibilityBody;
  return renderPage(
    <Page lang={lang} title={title} site={site} switchTo={switchTo(`/${which}`, lang)}>
      <h1>{title}</h1>
      {body.map((paragraph) => (
        <p key={paragraph}>{paragraph}</p>
      ))}
      <div class="actions">
        <a class="button secondary" href={withLang('/', lang)}>
          {t.home}
        </a>
      </div>
    </Page>,
  );
}
