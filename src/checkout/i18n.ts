/** Checkout texts: Vietnamese first, English on request. */
import { en } from './texts/en.ts';
import { enMore } from './texts/en-more.ts';
import { vi } from './texts/vi.ts';
import { viMore } from './texts/vi-more.ts';

export type Lang = 'vi' | 'en';

export type Texts = typeof vi & typeof viMore;

export const TEXT: Record<Lang, Texts> = { vi: { ...vi, ...viMore }, en: { ...en, ...enMore } };

export function langOf(query: unknown, fallback: Lang): Lang {
  return query === 'en' ? 'en' : query === 'vi' ? 'vi' : fallback;
}

/** The language asked for, if any: `?lang=` wins over the cookie the checkout set for this payment. */
export function chosenLang(query: unknown, cookie: string | undefined): Lang | undefined {
  if (query === 'en' || query === 'vi') return query;
  if (cookie === 'en' || cookie === 'vi') return cookie;
  return undefined;
}
