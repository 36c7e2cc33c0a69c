import type { ComponentChildren } from 'preact';
import { initials } from '../format.ts';
import { type Lang, TEXT } from '../i18n.ts';

/** Who runs the hub, for every page's footer (PAYHUB_OPERATOR_*). */
export interface Site {
  operator: string;
  hotline?: string;
  email?: string;
}

/** The agency that collects: on every page of its payments. */
export interface AgencyIdentity {
  name: string;
  phone?: string | null;
  email?: string | null;
  website?: string | null;
  address?: string | null;
}

export const withLang = (href: string, lang: Lang) =>
  lang === 'en' ? `${href}${href.includes('?') ? '&' : '?'}lang=en` : href;

function AgencyBar({ agency }: { agency: AgencyIdentity }) {
  return (
    <div class="agency">
      <span class="emblem" aria-hidden="true">
        {initials(agency.name)}
      </span>
      <span class="agency-name">{agency.name}</span>
    </div>
  );
}

/** How to reach the agency: the next step when something went wrong. */
export function AgencyContact({ lang, agency }: { lang: Lang; agency: AgencyIdentity }) {
  const t = TEXT[lang];
  const any = agency.phone || agency.email || agency.website || agency.address;
  return (
    <section class="contact" aria-labelledby="contact-title">
      <h2 id="contact-title">{t.contactAgency}</h2>
      <p>{agency.name}</p>
      {any ? (
        <dl>
          {agency.phone ? (
            <>
              <dt>{t.phone}</dt>
              <dd>
                <a href={`tel:${agency.phone.replace(/[^+0-9]/g, '')}`}>{agency.phone}</a>
              </dd>
            </>
          ) : null}
          {agency.email ? (
            <>
              <dt>{t.email}</dt>
              <dd>
                <a href={`mailto:${agency.email}`}>{agency.email}</a>
              </dd>
            </>
          ) : null}
          {agency.website ? (
            <>
              <dt>{t.website}</dt>
              <dd>
                <a href={agency.website}>{agency.website}</a>
              </dd>
            </>
          ) : null}
          {agency.address ? (
            <>
              <dt>{t.address}</dt>
              <dd>{agency.address}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
    </section>
  );
}

function Footer({ lang, site }: { lang: Lang; site: Site }) {
  const t = TEXT[lang];
  return (
    <footer class="footer">
      <ul class="footer-links">
        <li>
          <a href={withLang('/privacy', lang)}>{t.privacy}</a>
        </li>
        <li>
          <a href={withLang('/accessibility', lang)}>{t.accessibility}</a>
        </li>
      </ul>
      <p>
        {t.footerOperator(site.operator)}
        {site.hotline ? (
          <>
            {' · '}
            {t.footerHotline}: <a href={`tel:${site.hotline.replace(/[^+0-9]/g, '')}`}>{site.hotline}</a>
          </>
        ) : null}
        {site.email ? (
          <>
            {' · '}
            <a href={`mailto:${site.email}`}>{site.email}</a>
          </>
        ) : null}
      </p>
      <p class="footer-note">{t.footerNote}</p>
    </footer>
  );
}

export interface PageProps {
  lang: Lang;
  title: string;
  site: Site;
  agency?: AgencyIdentity;
  /** A test payment's page says so at the top of every page. */
  test?: boolean;
  /** The same page in the other language. */
  switchTo?: string;
  /** Self-hosted scripts that enhance the page (it works without them). */
  scripts?: string[];
  children: ComponentChildren;
}

/** A citizen-facing page: service header, the agency's identity, the content, the footer. */
export function Page(p: PageProps) {
  const t = TEXT[p.lang];
  return (
    <html lang={p.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} — ${t.portal}`}</title>
        <link rel="stylesheet" href="/assets/checkout.css" />
        {(p.scripts ?? []).map((src) => (
          <script src={src} defer key={src} />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          {t.skip}
        </a>
        <header class="header">
          <a class="service" href={withLang('/', p.lang)}>
            {t.portal}
          </a>
          {p.switchTo ? (
            <a
              href={p.switchTo}
              lang={p.lang === 'vi' ? 'en' : 'vi'}
              hreflang={p.lang === 'vi' ? 'en' : 'vi'}
            >
              {t.switchLang}
            </a>
          ) : null}
        </header>
        {p.test ? (
          <p class="test-banner" data-test-banner="true">
            {t.testBanner}
          </p>
        ) : null}
        <div class="wrap">
          {p.agency ? <AgencyBar agency={p.agency} /> : null}
          <main id="main">{p.children}</main>
        </div>
        <Footer lang={p.lang} site={p.site} />
      </body>
    </html>
  );
}
